import {
  type Completion,
  chatBody,
  createManualClock,
  createSimulatorHarness,
  postChat,
  type TestSimulator,
} from '@thinkbatch/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { promptKey } from '../completion/prompt-key';
import { startSimulator } from './server';

const { start, closeAll } = createSimulatorHarness();
afterEach(closeAll);

describe('startSimulator: HTTP surface', () => {
  it('listens on 127.0.0.1 at an ephemeral port and serves /v1/models', async () => {
    const simulator = await start({ models: ['a', 'b'] });
    expect(simulator.url).toBe(`http://127.0.0.1:${simulator.port}/v1`);
    expect(simulator.port).toBeGreaterThan(0);
    const response = await fetch(`${simulator.url}/models`);
    expect(response.status).toBe(200);
    expect(response.headers.get('x-request-id')).toMatch(/^sim-/);
    expect(await response.json()).toMatchObject({ object: 'list', data: [{ id: 'a' }, { id: 'b' }] });
  });

  it('is not reachable on another interface address', async () => {
    const simulator = await start();
    const { networkInterfaces } = await import('node:os');
    const external = Object.values(networkInterfaces())
      .flat()
      .find((address) => address !== undefined && address.family === 'IPv4' && !address.internal);
    if (external === undefined) return; // no external interface on this machine: nothing to probe
    await expect(fetch(`http://${external.address}:${simulator.port}/v1/models`)).rejects.toThrow();
  });

  it('answers unknown paths with an OpenAI-style 404 carrying a request id', async () => {
    const simulator = await start();
    const response = await fetch(`${simulator.url}/embeddings`, { method: 'POST' });
    expect(response.status).toBe(404);
    expect(response.headers.get('x-request-id')).toMatch(/^sim-/);
    expect(await response.json()).toEqual({
      error: {
        message: 'Unknown request URL: POST /v1/embeddings.',
        type: 'invalid_request_error',
        code: 'unknown_url',
        param: null,
      },
    });
  });

  it('answers a bad body with a 400 naming the parameter', async () => {
    const simulator = await start();
    const response = await postChat(simulator.url, { model: 'm', messages: [] });
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({
      error: {
        message: "'messages' must be a non-empty array",
        type: 'invalid_request_error',
        code: 'invalid_value',
        param: 'messages',
      },
    });
    const broken = await postChat(simulator.url, '{"model":');
    expect(broken.status).toBe(400);
    expect(((await broken.json()) as { error: { code: string } }).error.code).toBe('invalid_json');
    expect(simulator.stats().byStatus).toEqual({ '400': 2 });
    expect(simulator.stats().chatRequests).toBe(0);
  });

  it('refuses bodies over maxBodyBytes with 413', async () => {
    const simulator = await start({ maxBodyBytes: 100 });
    const response = await postChat(simulator.url, chatBody('x'.repeat(200)));
    expect(response.status).toBe(413);
  });

  it('checks the API key when one is set, echoing a wrong key like a careless gateway', async () => {
    const simulator = await start({ apiKey: 'sk-right' });
    const missing = await postChat(simulator.url, chatBody('hi'));
    expect(missing.status).toBe(401);
    expect(await missing.json()).toMatchObject({
      error: { code: 'invalid_api_key', type: 'invalid_request_error' },
    });
    const wrong = await postChat(simulator.url, chatBody('hi'), { authorization: 'Bearer sk-wrong' });
    expect(wrong.status).toBe(401);
    expect(((await wrong.json()) as { error: { message: string } }).error.message).toContain('sk-wrong');
    const right = await postChat(simulator.url, chatBody('hi'), { authorization: 'Bearer sk-right' });
    expect(right.status).toBe(200);
    const models = await fetch(`${simulator.url}/models`);
    expect(models.status).toBe(401);
  });

  it('rejects unknown models only when asked to', async () => {
    const lenient = await start();
    expect((await postChat(lenient.url, chatBody('hi', { model: 'other' }))).status).toBe(200);
    const strict = await start({ rejectUnknownModels: true });
    const response = await postChat(strict.url, chatBody('hi', { model: 'other' }));
    expect(response.status).toBe(404);
    expect(await response.json()).toMatchObject({ error: { code: 'model_not_found', param: 'model' } });
  });

  it('answers a plain request with an R1-shaped completion and realistic usage', async () => {
    const simulator = await start();
    const response = await postChat(
      simulator.url,
      chatBody('What is 12+30? Please put your final answer within \\boxed{}.', {
        model: 'deepseek-ai/deepseek-r1',
      }),
    );
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/json');
    const body = (await response.json()) as Completion;
    expect(body).toMatchObject({ object: 'chat.completion', model: 'deepseek-ai/deepseek-r1' });
    expect(body.id).toMatch(/^chatcmpl-/);
    const [choice] = body.choices;
    expect(choice?.finish_reason).toBe('stop');
    expect(choice?.message.role).toBe('assistant');
    expect(choice?.message.content).toContain('\\boxed{42}');
    expect(choice?.message.reasoning_content).toMatch(/^Okay, so the question is/);
    const reasoning = choice?.message.reasoning_content ?? '';
    const content = choice?.message.content ?? '';
    expect(body.usage).toEqual({
      prompt_tokens: Math.ceil('What is 12+30? Please put your final answer within \\boxed{}.'.length / 4),
      completion_tokens: Math.ceil((reasoning.length + content.length) / 4),
      total_tokens: (body.usage?.prompt_tokens ?? 0) + (body.usage?.completion_tokens ?? 0),
      completion_tokens_details: { reasoning_tokens: Math.ceil(reasoning.length / 4) },
    });
  });

  it('gives the same answers for the same seed, on a new server too, and different ones for another seed', async () => {
    const ask = async (simulator: TestSimulator, prompt: string) =>
      ((await (await postChat(simulator.url, chatBody(prompt))).json()) as Completion).choices[0]?.message;
    const a = await start({ seed: 11 });
    const b = await start({ seed: 11 });
    const c = await start({ seed: 12 });
    const first = await ask(a, 'Explain the tides');
    expect(await ask(a, 'Explain the tides')).toEqual(first);
    expect(await ask(b, 'Explain the tides')).toEqual(first);
    expect((await ask(c, 'Explain the tides'))?.reasoning_content).not.toBe(first?.reasoning_content);
  });

  it('honours max_tokens with finish_reason length', async () => {
    const simulator = await start();
    const body = (await (
      await postChat(simulator.url, chatBody('Explain', { max_tokens: 6 }))
    ).json()) as Completion;
    expect(body.choices[0]?.finish_reason).toBe('length');
    expect(body.usage?.completion_tokens).toBe(6);
    expect(body.choices[0]?.message.content).toBe('');
  });

  it('takes the time to first token plus completion tokens at tokensPerSecond to answer', async () => {
    const simulator = await start({
      latency: { kind: 'fixed', ms: 200 },
      tokensPerSecond: 100,
      timeScale: 2,
    });
    const { clock } = simulator;
    const started = clock.now();
    const response = await clock.runUntil(postChat(simulator.url, chatBody('Explain', { max_tokens: 10 })));
    expect(((await response.json()) as Completion).usage?.completion_tokens).toBe(10);
    expect(clock.now() - started).toBe((200 + 100) * 2); // 10 tokens at 100/s, all scaled by 2
  });

  it('counts calls per prompt key, successes apart', async () => {
    const simulator = await start({ promptFaults: [{ match: 'flaky', fault: 'http503', times: 1 }] });
    await postChat(simulator.url, chatBody('flaky one'));
    await postChat(simulator.url, chatBody('flaky one'));
    await postChat(simulator.url, chatBody('steady'));
    await fetch(`${simulator.url}/models`);
    const stats = simulator.stats();
    const flaky = promptKey([{ role: 'user', content: 'flaky one' }]);
    const steady = promptKey([{ role: 'user', content: 'steady' }]);
    expect(stats.callsByPrompt).toEqual({ [flaky]: 2, [steady]: 1 });
    expect(stats.completedByPrompt).toEqual({ [flaky]: 1, [steady]: 1 });
    expect(stats.byStatus).toEqual({ '200': 3, '503': 1 });
    expect(stats.byFault).toEqual({ http503: 1 });
    expect(stats.requests).toBe(4);
    expect(stats.chatRequests).toBe(3);
    expect(stats.inFlight).toBe(0);
  });

  it('closes with requests in flight, and stops listening', async () => {
    const clock = createManualClock();
    const simulator = await startSimulator({ latency: { kind: 'fixed', ms: 10_000 }, clock });
    const pending = postChat(simulator.url, chatBody('slow')).catch((error: unknown) => error);
    await clock.sleeping(1);
    expect(simulator.stats().inFlight).toBe(1);
    const started = clock.now();
    await simulator.close();
    // Time stood still: close cut the 10 s wait short instead of sitting it out.
    expect(clock.now() - started).toBeLessThan(2_000);
    expect(clock.pending).toBe(0);
    expect(await pending).toBeInstanceOf(Error);
    await expect(fetch(`${simulator.url}/models`)).rejects.toThrow();
  });

  it('validates its options', async () => {
    await expect(startSimulator({ maxConcurrency: 0 })).rejects.toThrow(/maxConcurrency must be > 0/);
    await expect(startSimulator({ faultRates: { http500: 2 } })).rejects.toThrow(
      /http500 must be in \[0, 1\]/,
    );
    await expect(startSimulator({ port: -1 })).rejects.toThrow(/port/);
  });
});
