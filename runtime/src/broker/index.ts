export { defineTopic, type Topic } from "./topic.js";
