import { describe, expect, it } from 'vitest';
import type { ChatMessage } from '../completion/chat';
import { foldSystemIntoUser } from './fold-system-into-user';

const system = (content: string): ChatMessage => ({ role: 'system', content });
const user = (content: string): ChatMessage => ({ role: 'user', content });
const assistant = (content: string): ChatMessage => ({ role: 'assistant', content });

describe('foldSystemIntoUser', () => {
  it('puts the system text before the first user text, separated by a blank line', () => {
    expect(foldSystemIntoUser([system('S'), user('U')])).toEqual([user('S\n\nU')]);
  });

  it('joins several system messages in order, wherever they are, into the first user turn only', () => {
    const messages = [system('S1'), user('U1'), assistant('A1'), system('S2'), user('U2')];
    expect(foldSystemIntoUser(messages)).toEqual([user('S1\n\nS2\n\nU1'), assistant('A1'), user('U2')]);
  });

  it('keeps messages without a system prompt as they are, as copies', () => {
    const messages = [user('U'), assistant('A'), user('V')];
    const folded = foldSystemIntoUser(messages);
    expect(folded).toEqual(messages);
    expect(folded[0]).not.toBe(messages[0]);
  });

  it('ignores empty system texts and an empty user text gets no separator', () => {
    expect(foldSystemIntoUser([system(''), user('U')])).toEqual([user('U')]);
    expect(foldSystemIntoUser([system('S'), user('')])).toEqual([user('S')]);
  });

  it('turns system texts into a user message when there is no user message', () => {
    expect(foldSystemIntoUser([assistant('A'), system('S1'), system('S2')])).toEqual([
      assistant('A'),
      user('S1\n\nS2'),
    ]);
  });

  it('does not change its input', () => {
    const messages = [system('S'), user('U')];
    foldSystemIntoUser(messages);
    expect(messages).toEqual([system('S'), user('U')]);
  });
});
