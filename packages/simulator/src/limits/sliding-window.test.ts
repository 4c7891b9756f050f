import { describe, expect, it } from 'vitest';
import { createSlidingWindow } from './sliding-window';

describe('createSlidingWindow', () => {
  it('holds an event for exactly windowMs', () => {
    const window = createSlidingWindow(1000);
    window.add(0, 10);
    window.add(500, 5);
    expect(window.load(999)).toEqual({ requests: 2, tokens: 15 });
    expect(window.load(1000)).toEqual({ requests: 1, tokens: 5 });
    expect(window.load(1500)).toEqual({ requests: 0, tokens: 0 });
  });

  it('keeps counting right over many events', () => {
    const window = createSlidingWindow(100);
    for (let at = 0; at < 10_000; at += 1) window.add(at, 2);
    expect(window.load(9_999)).toEqual({ requests: 100, tokens: 200 });
  });

  it('says how long until a request or some tokens fit', () => {
    const window = createSlidingWindow(1000);
    window.add(0, 400);
    window.add(100, 400);
    window.add(200, 400);
    expect(window.waitForRequests(300, 4)).toBe(0);
    expect(window.waitForRequests(300, 3)).toBe(700);
    expect(window.waitForRequests(300, 1)).toBe(900);
    expect(window.waitForTokens(300, 1500, 300)).toBe(0);
    expect(window.waitForTokens(300, 1500, 500)).toBe(700);
    expect(window.waitForTokens(300, 1500, 1000)).toBe(800);
    expect(window.waitForTokens(300, 1500, 1501)).toBeNull();
  });
});
