// berth: a Docker/nerdctl-style CLI over the CRI. Verbs arrive with the CLI issue;
// for now it answers version and points at berthctl.
import { VERSION } from '../../version.js';

const args = process.argv.slice(2);
if (args[0] === 'version' || args[0] === '--version' || args[0] === '-v') {
  process.stdout.write(`berth version ${VERSION}\n`);
} else {
  process.stdout.write(`berth ${VERSION}: Docker-style commands are not available yet; use berthctl.\n`);
  process.exitCode = args.length === 0 || args[0] === '--help' || args[0] === '-h' ? 0 : 1;
}
