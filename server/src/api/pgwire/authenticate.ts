/**
 * The authentication exchange after the startup packet: trust, cleartext password, or
 * SCRAM-SHA-256, checked against the role's stored SCRAM verifier. Failures are what PostgreSQL
 * reports: 28P01 "password authentication failed" whether the user is unknown, has no password
 * or gave the wrong one (SCRAM runs a mock exchange for unknown users so timing and messages do
 * not tell them apart).
 */
import { SqlStateError } from "../../common/sqlstate-error.js";
import type { Role } from "../../sql/catalog/model.js";
import { authenticationCleartextPassword, authenticationSasl, authenticationSaslContinue, authenticationSaslFinal } from "./backend-messages.js";
import { ClientGone, ProtocolViolation } from "./errors.js";
import { decodePasswordMessage, decodeSaslInitialResponse, decodeSaslResponse, type FrontendMessage } from "./frontend-messages.js";
import { mockScramVerifier, parseScramVerifier, SCRAM_NONCE_BYTES, SCRAM_SHA_256, ScramExchange, verifyScramPassword } from "./scram.js";

export type AuthMethod = "trust" | "password" | "scram-sha-256";

/** What authentication needs from the connection. */
export interface AuthChannel {
  send(message: Buffer): void;
  flush(): Promise<void>;
  /** The next message, or null when the client hung up. */
  read(): Promise<FrontendMessage | null>;
}

export interface AuthDeps {
  readonly method: AuthMethod;
  readonly lookupRole: (name: string) => Promise<Role | undefined>;
  readonly randomBytes: (n: number) => Buffer;
  /** Per-server secret for mock SCRAM salts. */
  readonly mockSecret: Uint8Array;
}

function authFailed(user: string): SqlStateError {
  return new SqlStateError(`password authentication failed for user "${user}"`, "28P01");
}

/** Runs the exchange; resolves with the role, throws a SqlStateError (sent as FATAL) or ClientGone. */
export async function authenticate(user: string, channel: AuthChannel, deps: AuthDeps): Promise<Role> {
  switch (deps.method) {
    case "trust": {
      const role = await deps.lookupRole(user);
      if (role === undefined) throw new SqlStateError(`role "${user}" does not exist`, "28000");
      return role;
    }
    case "password":
      return passwordExchange(user, channel, deps);
    case "scram-sha-256":
      return scramExchange(user, channel, deps);
  }
}

async function readPasswordMessage(channel: AuthChannel): Promise<Uint8Array> {
  const message = await channel.read();
  if (message === null || message.kind === "Terminate") throw new ClientGone();
  if (message.kind !== "Password") throw new ProtocolViolation(`expected password response, got message type ${message.kind}`);
  return message.data;
}

async function passwordExchange(user: string, channel: AuthChannel, deps: AuthDeps): Promise<Role> {
  channel.send(authenticationCleartextPassword());
  await channel.flush();
  const password = decodePasswordMessage(await readPasswordMessage(channel));
  const role = await deps.lookupRole(user);
  const verifier = role?.passwordScram === undefined ? undefined : parseScramVerifier(role.passwordScram);
  if (role === undefined || verifier === undefined || password === "") throw authFailed(user);
  if (!(await verifyScramPassword(password, verifier))) throw authFailed(user);
  return role;
}

async function scramExchange(user: string, channel: AuthChannel, deps: AuthDeps): Promise<Role> {
  const role = await deps.lookupRole(user);
  const verifier = role?.passwordScram === undefined ? undefined : parseScramVerifier(role.passwordScram);
  const mock = role === undefined || verifier === undefined;
  const exchange = new ScramExchange(verifier ?? mockScramVerifier(user, deps.mockSecret), deps.randomBytes(SCRAM_NONCE_BYTES), mock);

  channel.send(authenticationSasl([SCRAM_SHA_256]));
  await channel.flush();
  const initial = decodeSaslInitialResponse(await readPasswordMessage(channel));
  if (initial.mechanism !== SCRAM_SHA_256) throw new ProtocolViolation("client selected an invalid SASL authentication mechanism");
  if (initial.response === null) throw new ProtocolViolation("malformed SCRAM message");
  const serverFirst = exchange.clientFirst(initial.response.toString("utf8"));
  channel.send(authenticationSaslContinue(Buffer.from(serverFirst, "utf8")));
  await channel.flush();

  const result = exchange.clientFinal(decodeSaslResponse(await readPasswordMessage(channel)).toString("utf8"));
  if (!result.ok || role === undefined) throw authFailed(user);
  channel.send(authenticationSaslFinal(Buffer.from(result.serverFinal, "utf8")));
  return role;
}
