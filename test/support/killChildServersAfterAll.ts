import { afterAll } from 'vitest';
import { killAllChildren } from './childServer.js';

// Imported for its effect: a test file that imports this kills, after its last test, every child server it left running.
afterAll(killAllChildren);
