// Writes N simple-format lines ("What is i + i? … \boxed{}") to stdout: input for the local benchmarks.
const n = Number(process.argv[2] ?? 2000);
if (!Number.isInteger(n) || n < 1) throw new Error('usage: node bench/make-sum-prompts.mjs <lines>');
const out = [];
for (let i = 0; i < n; i += 1) {
  out.push(JSON.stringify({ prompt: `What is ${i} + ${i}? Put your final answer within \\boxed{}.` }));
}
process.stdout.write(`${out.join('\n')}\n`);
