// berthctl's entry when started from its bundle (no start-up snapshot).
import { runBerthctl } from './run.js';

void runBerthctl(process.argv.slice(2));
