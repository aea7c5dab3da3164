// The chat contract for the web console: the real adapter and its HTTP endpoints, driven by
// HTTP clients that post like the console page and read the live event stream like its script.
import { defineChatContract } from './contract.js';
import { createWebHarness } from '../web/support/web-harness.js';

defineChatContract('web', () => createWebHarness());
