import type { Command } from './command.js';
export const command: Command = { name: 'replay', summary: '', usage: '', run: async () => 1 };
