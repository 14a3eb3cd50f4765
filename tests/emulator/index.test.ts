import { startEmulator } from "../../emulator";
import { connect } from "node:net";

/** startEmulator: instances on free ports, independent state, clean close. */
test("two instances have separate state and close cleanly", async () => {
  const a = await startEmulator();
  const b = await startEmulator({ port: 0, host: "127.0.0.1" });
  try {
    expect(a.url).toBe(`http://127.0.0.1:${a.port}`);
    expect(a.port).not.toBe(b.port);
    const headers = { Authorization: "Bearer sk_test_sharedkey1", "Content-Type": "application/x-www-form-urlencoded" };
    await fetch(`${a.url}/v1/identity/verification_sessions`, { method: "POST", headers, body: "type=document" });
    const listB = (await (await fetch(`${b.url}/v1/identity/verification_sessions`, { headers })).json()) as { data: unknown[] };
    expect(listB.data).toEqual([]);
  } finally {
    await a.close();
    await b.close();
  }
  await expect(fetch(`${a.url}/_emulator/stats`)).rejects.toThrow();
});

test("a port in use is reported, not swallowed", async () => {
  const a = await startEmulator();
  try {
    await expect(startEmulator({ port: a.port })).rejects.toMatchObject({ code: "EADDRINUSE" });
  } finally {
    await a.close();
  }
});

test("bad options are refused by name before anything listens", async () => {
  await expect(startEmulator({ latencyMs: -1 })).rejects.toThrow(/latencyMs/);
  await expect(startEmulator({ rateLimit: { test: 0, live: 5 } })).rejects.toThrow(/rateLimit\.test/);
});

function rawExchange(port: number, bytes: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, "127.0.0.1", () => socket.end(bytes));
    let out = "";
    socket.on("data", (chunk) => (out += chunk.toString()));
    socket.on("close", () => resolve(out));
    socket.on("error", reject);
  });
}

test("bytes the HTTP parser refuses get a JSON 400; an unknown Expect header is ignored", async () => {
  const emu = await startEmulator();
  try {
    const junk = await rawExchange(emu.port, "NOT HTTP AT ALL\r\n\r\n");
    expect(junk).toMatch(/^HTTP\/1\.1 400/);
    expect(JSON.parse(junk.slice(junk.indexOf("\r\n\r\n") + 4))).toMatchObject({ error: { type: "invalid_request_error" } });
    const expectHeader = await rawExchange(
      emu.port,
      "GET /v1/identity/verification_sessions HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer sk_test_expect1\r\nExpect: something-else\r\nConnection: close\r\n\r\n",
    );
    expect(expectHeader).toMatch(/^HTTP\/1\.1 200/);
  } finally {
    await emu.close();
  }
});
