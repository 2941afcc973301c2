import type { Duplex } from "node:stream";

/** The 24 bytes every HTTP/2 client sends first on a connection (RFC 9113 §3.4). */
const CLIENT_PREFACE = Buffer.from("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", "latin1");

/**
 * Calls `onPreface` once `connection` has sent the whole HTTP/2 client
 * preface, or `onOther` as soon as its first bytes show that it will not
 * (a client of another protocol: the HTTP/2 server would only keep it open
 * until its idle timeout). The bytes read are put back, and Node's HTTP/2
 * session reads a socket's buffered bytes before any new ones, so the
 * server sees the connection exactly as the client sent it.
 */
export function onClientPreface(connection: Duplex, onPreface: () => void, onOther: () => void): void {
  // Usually one read holds the whole preface (and the SETTINGS after it):
  // that Buffer goes back as it came, copied into a new one only when the
  // preface arrives split.
  let received: Buffer | undefined;
  const onReadable = (): void => {
    for (let chunk: Buffer | null; (chunk = connection.read() as Buffer | null) !== null; ) {
      received = received === undefined ? chunk : Buffer.concat([received, chunk]);
    }
    if (received === undefined) return;
    const compared = Math.min(received.length, CLIENT_PREFACE.length);
    const sofarValid = CLIENT_PREFACE.compare(received, 0, compared, 0, compared) === 0;
    if (sofarValid && received.length < CLIENT_PREFACE.length) return;
    connection.off("readable", onReadable);
    if (!sofarValid) {
      onOther();
      return;
    }
    connection.unshift(received);
    onPreface();
  };
  connection.on("readable", onReadable);
}
