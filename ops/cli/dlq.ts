import type { Command } from './command.js';
export const command: Command = { name: 'dlq', summary: '', usage: '', run: async () => 1 };
