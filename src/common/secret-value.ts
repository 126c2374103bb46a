import * as fs from 'fs';
import * as path from 'path';

/**
 * The shell definition of what a Secret value may be (`secret-value.sh`), shipped beside every
 * script that reads Secret files (render-config.sh, provision-bucket.sh), which source it: one
 * rule, so the runner and the provisioning Job accept and refuse exactly the same values.
 */
export const SECRET_VALUE_SCRIPT_FILE = 'secret-value.sh';

/** The content of `secret-value.sh`. */
export const SECRET_VALUE_SCRIPT = fs.readFileSync(path.join(__dirname, SECRET_VALUE_SCRIPT_FILE), 'utf8');
