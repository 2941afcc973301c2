import * as grpc from "@grpc/grpc-js";

const passThrough = (bytes: Buffer) => bytes;

/** A raw unary call with bytes in and out, bypassing every Kled codec. */
export function rawUnary(
  address: string,
  path: string,
  body: Uint8Array,
  metadata: Record<string, string> = {},
): Promise<{ error: grpc.ServiceError | null; bytes: Buffer | undefined }> {
  const client = new grpc.Client(address, grpc.credentials.createInsecure());
  const md = new grpc.Metadata();
  for (const [key, value] of Object.entries(metadata)) md.set(key, value);
  return new Promise((resolve) => {
    client.makeUnaryRequest(path, passThrough, passThrough, Buffer.from(body), md, {}, (error, bytes) => {
      client.close();
      resolve({ error, bytes });
    });
  });
}

/** Sends each request on a raw bidi call, half-closes, and collects the responses. */
export function rawBidi(address: string, path: string, requests: readonly Uint8Array[]): Promise<Buffer[]> {
  const client = new grpc.Client(address, grpc.credentials.createInsecure());
  const call = client.makeBidiStreamRequest(path, passThrough, passThrough, new grpc.Metadata(), {
    deadline: Date.now() + 5_000,
  });
  const responses: Buffer[] = [];
  return new Promise((resolve, reject) => {
    call.on("data", (bytes: Buffer) => responses.push(bytes));
    call.on("error", (error) => {
      client.close();
      reject(error);
    });
    call.on("end", () => {
      client.close();
      resolve(responses);
    });
    for (const request of requests) call.write(Buffer.from(request));
    call.end();
  });
}
