/** `next`, turning a synchronous throw into a rejection, so that whatever watches the promise (a span) still sees the end. */
export function rejectThrows<Q, R>(next: (request: Q) => Promise<R>): (request: Q) => Promise<R> {
  return (request) => {
    try {
      return next(request);
    } catch (error) {
      return Promise.reject(error);
    }
  };
}
