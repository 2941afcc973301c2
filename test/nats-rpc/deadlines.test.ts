import { afterEach, describe, expect, it, vi } from "vitest";
import { Deadlines } from "../../runtime/src/transport/nats/deadlines.js";

describe("the NATS client's deadlines on one timer", () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it("expires each deadline once it passes, in order, and never one removed before", () => {
    vi.useFakeTimers({ now: 1_000 });
    const deadlines = new Deadlines();
    const expired: string[] = [];
    const at = (ms: number, name: string) => deadlines.add(1_000 + ms, () => expired.push(name));
    at(300, "c");
    const b = at(200, "b");
    at(100, "a");
    at(500, "e");
    at(400, "d");
    deadlines.remove(b);
    vi.advanceTimersByTime(99);
    expect(expired).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(expired).toEqual(["a"]);
    vi.advanceTimersByTime(300);
    expect(expired).toEqual(["a", "c", "d"]);
    vi.advanceTimersByTime(100);
    expect(expired).toEqual(["a", "c", "d", "e"]);
    expect(vi.getTimerCount()).toBe(0);
  });

  it("keeps no timer once no deadline is left, and none after clear", () => {
    vi.useFakeTimers({ now: 0 });
    const deadlines = new Deadlines();
    const one = deadlines.add(30_000, () => expect.unreachable());
    const two = deadlines.add(30_001, () => expect.unreachable());
    deadlines.remove(one);
    expect(vi.getTimerCount()).toBe(1);
    deadlines.remove(two);
    deadlines.remove(two);
    expect(vi.getTimerCount()).toBe(0);
    deadlines.add(10, () => expect.unreachable());
    deadlines.clear();
    expect(vi.getTimerCount()).toBe(0);
    vi.advanceTimersByTime(100);
  });

  it("orders many deadlines added and removed at random", () => {
    vi.useFakeTimers({ now: 0 });
    const deadlines = new Deadlines();
    const expired: number[] = [];
    const live = new Map<number, ReturnType<Deadlines["add"]>>();
    for (let i = 0; i < 500; i++) {
      const when = 1 + ((i * 7919) % 1_000);
      live.set(i, deadlines.add(when, () => expired.push(when)));
      if (i % 3 === 0) {
        const victim = (i * 31) % (i + 1);
        const entry = live.get(victim);
        if (entry !== undefined) deadlines.remove(entry);
        live.delete(victim);
      }
    }
    vi.advanceTimersByTime(1_001);
    expect(expired).toHaveLength(live.size);
    expect(expired).toEqual([...expired].sort((a, b) => a - b));
  });
});
