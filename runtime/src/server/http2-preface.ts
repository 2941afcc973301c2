import type { Duplex } from "node:stream";

/** The 24 bytes every HTTP/2 client sends first on a connection (RFC 9113 §3.4). */
const CLIENT_PREFACE = Buffer.from("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", "latin1");

/**
 * Calls `then` once `connection` has sent the whole HTTP/2 client preface,
 * or as soon as its first bytes show that it will not (the HTTP/2 server
 * then refuses it, as it would have anyway). The bytes read are put back,
 * and Node's HTTP/2 session reads a socket's buffered bytes before any new
 * ones, so the server sees the connection exactly as the client sent it.
 */
export function onClientPreface(connection: Duplex, then: () => void): void {
  const chunks: Buffer[] = [];
  let length = 0;
  const onReadable = (): void => {
    for (let chunk: Buffer | null; (chunk = connection.read() as Buffer | null) !== null; ) {
      chunks.push(chunk);
      length += chunk.length;
    }
    const received = Buffer.concat(chunks, length);
    const compared = Math.min(length, CLIENT_PREFACE.length);
    const sofarValid = received.subarray(0, compared).equals(CLIENT_PREFACE.subarray(0, compared));
    if (sofarValid && length < CLIENT_PREFACE.length) return;
    connection.off("readable", onReadable);
    connection.unshift(received);
    then();
  };
  connection.on("readable", onReadable);
}
