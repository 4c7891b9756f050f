import { describe, expect, it } from 'vitest';
import { LabellingError } from './labelling-error';
import { compilePromptTemplate } from './prompt-template';

describe('compilePromptTemplate', () => {
  it('fills row fields, strings as they are and other values as JSON', () => {
    const template = compilePromptTemplate('Review of {{ product }} ({{stars}}★):\n{{text}}');
    expect(template.fields).toEqual(['product', 'stars', 'text']);
    expect(template.render({ product: 'kettle', stars: 4, text: 'Fine.' })).toBe(
      'Review of kettle (4★):\nFine.',
    );
    expect(compilePromptTemplate('{{tags}}').render({ tags: ['a', 'b'] })).toBe('["a","b"]');
  });

  it('names a missing (or null) field and the fields the row has', () => {
    const template = compilePromptTemplate('{{text}} by {{author}}');
    expect(() => template.render({ text: 'hi', id: 1 })).toThrow(LabellingError);
    expect(() => template.render({ text: 'hi', id: 1 })).toThrow(
      'the row has no field "author" (it has: text, id)',
    );
    expect(() => template.render({ text: 'hi', author: null })).toThrow('no field "author"');
    expect(compilePromptTemplate('{{text}}').render({ text: '' })).toBe('');
  });

  it('never expands a placeholder that a value holds, and writes \\{{ as a literal {{', () => {
    const template = compilePromptTemplate('\\{{not a field}} {{text}}');
    expect(template.render({ text: '{{secret}}', secret: 'leaked' })).toBe('{{not a field}} {{secret}}');
  });

  it('refuses a template without fields, with an unclosed or malformed placeholder', () => {
    expect(() => compilePromptTemplate('no fields')).toThrow(/uses no row field/);
    expect(() => compilePromptTemplate('{{text')).toThrow(/never closed/);
    expect(() => compilePromptTemplate('{{two words}}')).toThrow(/not a field name/);
    expect(() => compilePromptTemplate('{{__proto__}} {{constructor}}').render({})).toThrow(
      /no field "__proto__"/,
    );
  });
});
