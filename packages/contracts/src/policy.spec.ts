import { describe, it, expect } from 'vitest';
import { defaultPolicy, workspacePolicySchema, type WorkspacePolicy } from './policy';
import { issuePaths } from './issue-paths.spec-helper';

describe('workspace policy', () => {
  it('has a restrictive-sane default that passes its own schema', () => {
    expect(workspacePolicySchema.parse(defaultPolicy)).toEqual({
      clipboard: { inbound: true, outbound: true, maxBytes: 1_048_576 },
      fileTransfer: { upload: false, download: false },
      printing: false,
      inputAllowed: true,
      idleTimeoutSeconds: 1800,
      maxSessionSeconds: 0,
      sessionWarningSeconds: 300,
      watermark: { enabled: false },
      audio: true,
    });
  });

  it('cannot be modified by a consumer', () => {
    expect(() => {
      (defaultPolicy.clipboard as { maxBytes: number }).maxBytes = 1;
    }).toThrow(TypeError);
    expect(defaultPolicy.clipboard.maxBytes).toBe(1_048_576);
  });

  it('accepts a watermark with text', () => {
    const policy: WorkspacePolicy = { ...defaultPolicy, watermark: { enabled: true, text: 'Zoë — 東京' } };
    expect(workspacePolicySchema.parse(policy).watermark.text).toBe('Zoë — 東京');
  });

  it.each([
    [{ clipboard: { ...defaultPolicy.clipboard, maxBytes: 0 } }, ['clipboard', 'maxBytes']],
    [{ clipboard: { ...defaultPolicy.clipboard, inbound: 'yes' } }, ['clipboard', 'inbound']],
    [{ fileTransfer: { upload: true } }, ['fileTransfer', 'download']],
    [{ idleTimeoutSeconds: -1 }, ['idleTimeoutSeconds']],
    [{ maxSessionSeconds: 1.5 }, ['maxSessionSeconds']],
    [{ sessionWarningSeconds: -5 }, ['sessionWarningSeconds']],
    [{ inputAllowed: undefined }, ['inputAllowed']],
    [{ watermark: { enabled: true, text: 7 } }, ['watermark', 'text']],
  ])('rejects %j at %j', (change, path) => {
    expect(issuePaths(workspacePolicySchema, { ...defaultPolicy, ...change })).toEqual([path]);
  });
});
