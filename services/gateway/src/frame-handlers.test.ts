// The gateway's unit tests route frames through the table of test/support.ts; this keeps it the
// table production uses (app.ts), so a handler added to one and not the other fails here.
import { describe, expect, it } from 'vitest';
import { frameHandlers } from './app.ts';
import { frameHandlers as testFrameHandlers } from '../test/support.ts';

describe('frame handlers', () => {
  it('are the same in app.ts and in the unit tests', () => {
    expect(Object.keys(frameHandlers.channel).sort()).toEqual(['access_token', 'broadcast', 'phx_leave', 'presence']);
    expect(testFrameHandlers).toEqual(frameHandlers);
  });
});
