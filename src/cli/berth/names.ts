// Names for containers run without --name, docker-style: adjective_noun.
import { randomInt } from 'node:crypto';

const ADJECTIVES = ['brave', 'calm', 'eager', 'fancy', 'gentle', 'happy', 'jolly', 'keen', 'lucid', 'merry', 'nimble', 'proud', 'quiet', 'rapid', 'sharp', 'steady', 'swift', 'tidy', 'vivid', 'witty', 'bold', 'clever', 'fond', 'loyal'];
const NOUNS = ['anchor', 'beacon', 'buoy', 'cargo', 'compass', 'harbor', 'hull', 'jetty', 'keel', 'lantern', 'mast', 'mooring', 'pier', 'quay', 'rudder', 'sail', 'schooner', 'skiff', 'tide', 'wharf', 'barge', 'dock', 'ferry', 'tug'];

export function randomName(): string {
  return `${ADJECTIVES[randomInt(ADJECTIVES.length)] as string}_${NOUNS[randomInt(NOUNS.length)] as string}`;
}
