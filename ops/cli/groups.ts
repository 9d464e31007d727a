import type { Command } from './command.js';
export const command: Command = { name: 'groups', summary: '', usage: '', run: async () => 1 };
