export { isLevelEnabled, LOG_LEVEL_RANK, silentLogger, type LogFields, type LogLevel, type Logger } from "./logger.js";
export { consoleLogger, DEFAULT_LOG_LEVEL, LOG_LEVEL_ENV, type ConsoleLoggerOptions } from "./console-logger.js";
export { addLogContext, logContextFields, type LogContextProvider } from "./log-context.js";
