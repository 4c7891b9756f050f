import { createHash } from 'node:crypto';

/** A chat message as the simulator reads it (content flattened to text). */
export interface SimulatedMessage {
  readonly role: string;
  readonly content: string;
}

/**
 * The key of a conversation in `SimulatorStats.callsByPrompt`: the first 16 hex digits of the SHA-256 of
 * the messages' roles and contents. Two requests with the same messages have the same key, whatever their
 * other parameters.
 */
export function promptKey(messages: readonly SimulatedMessage[]): string {
  const canonical = JSON.stringify(messages.map((message) => [message.role, message.content]));
  return createHash('sha256').update(canonical).digest('hex').slice(0, 16);
}

/** All message contents joined by newlines: what prompt-substring fault rules match against. */
export function promptTextOf(messages: readonly SimulatedMessage[]): string {
  return messages.map((message) => message.content).join('\n');
}
