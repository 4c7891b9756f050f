import { describe, expect, it } from 'vitest';
import { isPlatformDiagnostic, splitDiagnostics } from './typecheck';

const output = [
  ".sst/platform/src/components/aws/alb.ts(2,3): error TS1484: 'X' is a type and must be imported using a type-only import.",
  'infra/functions.ts(9,37): error TS2345: Argument of type A is not assignable to parameter of type B.',
  '  Types of property notifications are incompatible.',
  '    Type C is readonly.',
  'sst.config.ts(8,3): error TS2322: Type D is not assignable to type E.',
  '',
].join('\n');

describe('splitDiagnostics', () => {
  it('keeps continuation lines with their diagnostic', () => {
    const diagnostics = splitDiagnostics(output);
    expect(diagnostics).toHaveLength(3);
    expect(diagnostics[1]).toBe(
      'infra/functions.ts(9,37): error TS2345: Argument of type A is not assignable to parameter of type B.\n' +
        '  Types of property notifications are incompatible.\n' +
        '    Type C is readonly.',
    );
  });
});

describe('isPlatformDiagnostic', () => {
  it('drops SST platform sources only, never our files or file-less errors', () => {
    expect(splitDiagnostics(output).map(isPlatformDiagnostic)).toEqual([true, false, false]);
    expect(isPlatformDiagnostic('error TS5058: The specified path does not exist.')).toBe(false);
    expect(isPlatformDiagnostic('infra/.sst/platform/x.ts(1,1): error TS1: x')).toBe(false);
    expect(isPlatformDiagnostic('node_modules/sst/dist/index.d.ts(1,1): error TS1: x')).toBe(false);
  });
});
