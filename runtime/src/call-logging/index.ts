export { clientLogging, serverLogging } from "./middleware.js";
