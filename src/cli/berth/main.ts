// berth's entry when started from its bundle (no start-up snapshot).
import { runBerth } from './run.js';

void runBerth(process.argv.slice(2));
