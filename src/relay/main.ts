// Entry point of `npm run relay -- --port P --data-dir D`: everything else is in cli.ts.
import { main } from './cli';

await main();
