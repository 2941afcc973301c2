import { afterEach, describe, expect, it, vi } from "vitest";
import { Deadlines, type DeadlineEntry } from "../../runtime/src/transport/nats/deadlines.js";

/** An entry as a call is one: expiring at `at`, running `expire`. */
function entry(at: number, expire: () => void): DeadlineEntry {
  return { deadlineAt: at, heapIndex: -1, expire };
}

/** Adds an entry for `at` and returns it. */
function add(deadlines: Deadlines, at: number, expire: () => void): DeadlineEntry {
  const added = entry(at, expire);
  deadlines.add(added);
  return added;
}

describe("the NATS client's deadlines on one timer", () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it("expires each deadline once it passes, in order, and never one removed before", () => {
    vi.useFakeTimers({ now: 1_000 });
    const deadlines = new Deadlines();
    const expired: string[] = [];
    const at = (ms: number, name: string) => add(deadlines, 1_000 + ms, () => expired.push(name));
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

  it("arms its timer once for calls one after another, each due later; the timer lapses with no deadline left, and none is left after clear", () => {
    vi.useFakeTimers({ now: 0 });
    const deadlines = new Deadlines();
    const arm = vi.spyOn(globalThis, "setTimeout");
    for (let call = 0; call < 5; call++) {
      vi.advanceTimersByTime(1);
      deadlines.remove(add(deadlines, Date.now() + 30_000, () => expect.unreachable()));
    }
    expect(arm).toHaveBeenCalledTimes(1);
    expect(vi.getTimerCount()).toBe(1);
    vi.advanceTimersByTime(30_000);
    expect(vi.getTimerCount()).toBe(0);
    const one = add(deadlines, Date.now() + 10, () => expect.unreachable());
    const two = add(deadlines, Date.now() + 20, () => expect.unreachable());
    deadlines.clear();
    expect([one.heapIndex, two.heapIndex]).toEqual([-1, -1]);
    expect(vi.getTimerCount()).toBe(0);
    vi.advanceTimersByTime(100);
  });

  it("does not hold the process open with its timer", () => {
    const timers = () => process.getActiveResourcesInfo().filter((resource) => resource === "Timeout").length;
    const before = timers();
    const deadlines = new Deadlines();
    add(deadlines, Date.now() + 60_000, () => expect.unreachable());
    expect(timers()).toBe(before);
    deadlines.clear();
  });

  it("orders many deadlines added and removed at random", () => {
    vi.useFakeTimers({ now: 0 });
    const deadlines = new Deadlines();
    const expired: number[] = [];
    const live = new Map<number, DeadlineEntry>();
    for (let i = 0; i < 500; i++) {
      const when = 1 + ((i * 7919) % 1_000);
      live.set(i, add(deadlines, when, () => expired.push(when)));
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
