/**
 * The protocol 3.0 message codec: frontend messages framed out of bytes (frontend-messages.ts)
 * and backend messages written as bytes (backend-messages.ts). Pure: no sockets, no session.
 */
export * from "./frontend-messages.js";
export * from "./backend-messages.js";
export { ProtocolViolation, type ErrorFields, type Severity } from "./errors.js";
