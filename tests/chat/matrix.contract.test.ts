// The chat contract for Matrix, run against the homeserver double through matrix-bot-sdk.
import { defineChatContract } from './contract.js';
import { createMatrixHarness } from './matrix-harness.js';

defineChatContract('matrix', () => createMatrixHarness());
