import { describe, expect, it } from "vitest";
import { saslprep } from "../../common/saslprep.js";
import { makeScramVerifier, mockScramVerifier, parseScramVerifier, ScramExchange, verifyScramPassword } from "./scram.js";
import { ScramClient } from "./testing/scram-client.js";

/**
 * Verifiers that PostgreSQL 15 stored for these passwords (`SET password_encryption =
 * 'scram-sha-256'; CREATE ROLE r PASSWORD '...'; SELECT rolpassword FROM pg_authid`). The last
 * four exercise SASLprep: a soft hyphen mapped to nothing, a combining diaeresis composed by
 * NFKC, a no-break space mapped to a space, and a C1 control that makes PostgreSQL fall back to
 * the raw bytes.
 */
const POSTGRES_VECTORS: { name: string; password: string; verifier: string; also?: string }[] = [
  {
    name: "ascii",
    password: "correct horse battery staple",
    verifier: "SCRAM-SHA-256$4096:fJZbSXNIS0D1vBUTcggl6g==$VFH7kLa77Ny4F1KXAMzFmDBRNPX3u1D3cb8F/ccAwHA=:WlqsSYOL/uveYA1F2ckdrIba1dl+L+R5Vjw5GE7ndDI=",
  },
  {
    name: "short",
    password: "pencil",
    verifier: "SCRAM-SHA-256$4096:9fcqwbxbHZM3R5KDk6sg0Q==$IqhuL/gqGXwik1jTQa5R+FjGz6hBl8QMFowkjyxTqd8=:dMCQxtNyjauvEvxldyDDOQ95fS2nqZfSQl47/cUmexE=",
  },
  {
    name: "non-ascii",
    password: "pässwörd",
    verifier: "SCRAM-SHA-256$4096:bHZ8fI2/TL/xSOXr9ipi4g==$P8sLeIT7MavD5jG0JcDGnusxO4sw7+C+y4X8uG36GRU=:+TbbR65fd83ocQ13uadZkGx1qokKFKMMWrV3txeM0EY=",
  },
  {
    name: "soft hyphen",
    password: "I\u00adX",
    also: "IX",
    verifier: "SCRAM-SHA-256$4096:SVSocv1flcoCCYOPsKCMug==$oV6ByamWEyC7x0pVioSlCihVkg+iLGsXVLXBm3/QnJc=:gqX1O0Azneh2fpF+KTVrMn1gqEsOuN/rkqC220OfIxY=",
  },
  {
    name: "combining mark",
    password: "pa\u0308ss",
    also: "päss",
    verifier: "SCRAM-SHA-256$4096:mVsAHYHDzk9VqLmLwSHJUA==$+YHDgrJllxIiv8KDklI8/cDasED4529x4keW/AZoTh4=:lmD7uSnXbXcjRkKV1o/H505K8ef5piM4hPu6Y4Vc3v0=",
  },
  {
    name: "no-break space",
    password: "a\u00a0b",
    also: "a b",
    verifier: "SCRAM-SHA-256$4096:g/9ol/YC3pMtYQCaXBLWyg==$wCOfzJtnIO5qu2Udj2ZCALJmPZ5YbspUykrhzzzH8lE=:Jo4yApPTOXHIBvfSMYlm26Qf292UgTj48uPgID2CteY=",
  },
  {
    name: "prohibited character",
    password: "\u00e9\u0080",
    verifier: "SCRAM-SHA-256$4096:gFHQPRfwN2KqMElmUu4uAw==$pMT/xsqXlRbODGxYPTA5ZvfCnUvLqyBkB4hRITxgtvI=:89+NJYP0zEVGFxoD2hwj9fuDb4ZyXk/5gegrx0XrycY=",
  },
];

function saltOf(verifier: string): Buffer {
  return parseScramVerifier(verifier)!.salt;
}

describe("SCRAM verifiers", () => {
  it.each(POSTGRES_VECTORS)("makeScramVerifier reproduces PostgreSQL's verifier ($name)", ({ password, verifier, also }) => {
    expect(makeScramVerifier(password, saltOf(verifier), 4096)).toBe(verifier);
    if (also !== undefined) expect(makeScramVerifier(also, saltOf(verifier), 4096)).toBe(verifier);
  });

  it.each(POSTGRES_VECTORS)("a cleartext password checks against PostgreSQL's verifier ($name)", async ({ password, verifier }) => {
    const parsed = parseScramVerifier(verifier)!;
    expect(await verifyScramPassword(password, parsed)).toBe(true);
    expect(await verifyScramPassword(password + "x", parsed)).toBe(false);
  });

  it.each(POSTGRES_VECTORS)("a full exchange succeeds against PostgreSQL's verifier ($name)", ({ password, verifier }) => {
    const exchange = new ScramExchange(parseScramVerifier(verifier)!, Buffer.alloc(18, 7));
    const client = new ScramClient(password, "rOprNGfwEbeRWgbNEkqO");
    const serverFirst = exchange.clientFirst(client.clientFirst());
    const result = exchange.clientFinal(client.clientFinal(serverFirst));
    expect(result.ok).toBe(true);
    expect(result.ok && client.verifyServerFinal(result.serverFinal)).toBe(true);
  });

  it("rejects text that is not a verifier", () => {
    for (const bad of ["", "md5abc", "SCRAM-SHA-256$0:AAAA$AAAA:AAAA", "SCRAM-SHA-256$4096:c2FsdA==$AAAA:AAAA"]) {
      expect(parseScramVerifier(bad)).toBeUndefined();
    }
  });

  it("uses a fresh salt and the default iteration count", () => {
    const a = makeScramVerifier("x");
    const b = makeScramVerifier("x");
    expect(a).not.toBe(b);
    expect(parseScramVerifier(a)).toMatchObject({ iterations: 4096 });
    expect(parseScramVerifier(a)!.salt).toHaveLength(16);
  });
});

describe("SCRAM exchange", () => {
  const verifier = parseScramVerifier(POSTGRES_VECTORS[1]!.verifier)!;
  const nonce = Buffer.alloc(18, 1);

  it("matches RFC 7677's message shapes", () => {
    const exchange = new ScramExchange(verifier, nonce);
    const serverFirst = exchange.clientFirst("n,,n=user,r=rOprNGfwEbeRWgbNEkqO");
    expect(serverFirst).toBe(`r=rOprNGfwEbeRWgbNEkqO${nonce.toString("base64")},s=${verifier.salt.toString("base64")},i=4096`);
  });

  it("accepts the y,, header (client supports channel binding, server does not offer it)", () => {
    const exchange = new ScramExchange(verifier, nonce);
    const client = new ScramClient("pencil", "abc", "y,,");
    const result = exchange.clientFinal(client.clientFinal(exchange.clientFirst(client.clientFirst())));
    expect(result.ok).toBe(true);
  });

  it("fails on a wrong password", () => {
    const exchange = new ScramExchange(verifier, nonce);
    const client = new ScramClient("pen", "abc");
    expect(exchange.clientFinal(client.clientFinal(exchange.clientFirst(client.clientFirst())))).toEqual({ ok: false });
  });

  it("a mock exchange looks the same and always fails", () => {
    const secret = Buffer.from("server secret");
    const mock = mockScramVerifier("nobody", secret);
    expect(mockScramVerifier("nobody", secret).salt).toEqual(mock.salt);
    expect(mockScramVerifier("somebody", secret).salt).not.toEqual(mock.salt);
    const exchange = new ScramExchange(mock, nonce, true);
    const client = new ScramClient("anything", "abc");
    const serverFirst = exchange.clientFirst(client.clientFirst());
    expect(serverFirst).toMatch(/^r=abc[^,]+,s=[^,]+,i=4096$/);
    expect(exchange.clientFinal(client.clientFinal(serverFirst))).toEqual({ ok: false });
  });

  const malformedFirst: { name: string; message: string; sqlstate: string }[] = [
    { name: "channel binding requested", message: "p=tls-server-end-point,,n=,r=abc", sqlstate: "08P01" },
    { name: "authorization identity", message: "n,a=admin,n=,r=abc", sqlstate: "0A000" },
    { name: "mandatory extension", message: "n,,m=ext,n=,r=abc", sqlstate: "0A000" },
    { name: "no nonce", message: "n,,n=", sqlstate: "08P01" },
    { name: "bad flag", message: "x,,n=,r=abc", sqlstate: "08P01" },
    { name: "nonce with a space", message: "n,,n=,r=a b", sqlstate: "08P01" },
  ];
  it.each(malformedFirst)("rejects a client-first-message with $name", ({ message, sqlstate }) => {
    expect(() => new ScramExchange(verifier, nonce).clientFirst(message)).toThrow(expect.objectContaining({ sqlstate }));
  });

  const malformedFinal: { name: string; final: (good: string) => string }[] = [
    { name: "another nonce", final: (g) => g.replace(/r=[^,]*/, "r=other") },
    { name: "another channel binding", final: (g) => g.replace(/c=[^,]*/, "c=eSws") },
    { name: "a short proof", final: (g) => g.replace(/p=.*$/, "p=AAAA") },
    { name: "no proof", final: (g) => g.replace(/,p=.*$/, "") },
  ];
  it.each(malformedFinal)("rejects a client-final-message with $name", ({ final }) => {
    const exchange = new ScramExchange(verifier, nonce);
    const client = new ScramClient("pencil", "abc");
    const good = client.clientFinal(exchange.clientFirst(client.clientFirst()));
    expect(() => exchange.clientFinal(final(good))).toThrow(expect.objectContaining({ sqlstate: "08P01" }));
  });
});

describe("saslprep", () => {
  const cases: { input: string; output: string | undefined }[] = [
    { input: "plain ascii", output: "plain ascii" },
    { input: "ascii\u0007control", output: "ascii\u0007control" },
    { input: "I\u00adX", output: "IX" },
    { input: "a\u2003b", output: "a b" },
    { input: "\u2168", output: "IX" },
    { input: "\u00aa", output: "a" },
    { input: "é\u0080", output: undefined },
    { input: "\u05d0\u05d1", output: "\u05d0\u05d1" },
    { input: "\u05d0a\u05d1", output: undefined },
    { input: "\u05d01", output: undefined },
  ];
  it.each(cases)("$input", ({ input, output }) => {
    expect(saslprep(input)).toBe(output);
  });
});
