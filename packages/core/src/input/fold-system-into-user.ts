import type { ChatMessage } from '../completion/chat';

/**
 * Move the system prompt into the first user turn: R1 is meant to be prompted without one. The texts of all
 * system messages, in order, are joined with a blank line and put before the first user message's text
 * (`<system text>\n\n<user text>`); the system messages are dropped. Empty system texts are ignored.
 * Without any user message the system texts become a user message where the first system message was.
 * Pure: returns new messages, the input is left as it was.
 */
export function foldSystemIntoUser(messages: readonly ChatMessage[]): ChatMessage[] {
  const systemTexts = messages
    .filter((message) => message.role === 'system' && message.content !== '')
    .map((message) => message.content);
  const firstSystem = messages.findIndex((message) => message.role === 'system');
  if (firstSystem === -1) return messages.map((message) => ({ ...message }));
  const system = systemTexts.join('\n\n');
  const hasUser = messages.some((message) => message.role === 'user');
  const folded: ChatMessage[] = [];
  let pending = system !== '';
  messages.forEach((message, index) => {
    if (message.role === 'system') {
      if (!hasUser && pending && index === firstSystem) {
        folded.push({ role: 'user', content: system });
        pending = false;
      }
      return;
    }
    if (message.role === 'user' && pending) {
      folded.push({
        role: 'user',
        content: message.content === '' ? system : `${system}\n\n${message.content}`,
      });
      pending = false;
      return;
    }
    folded.push({ ...message });
  });
  return folded;
}
