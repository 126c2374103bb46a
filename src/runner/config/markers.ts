import { concrete, valueOf, withoutValueTokens } from '../../common/values';
import { RunnerConfigToml } from './model';

/**
 * The fields where the library puts secret placeholders, as `TABLE.KEY` (the TOML table header
 * without array indexes, then the key). render-config.sh fills in a secret only on a line
 * `KEY = "@@secret:NAME@@"` under such a table, and only for the sites the manager passes it.
 */
export const SECRET_SITE_FIELDS = ['runners.token', 'runners.cache.s3.AccessKey', 'runners.cache.s3.SecretKey', 'runners.cache.azure.AccountKey'] as const;

/**
 * The library's marker syntax: secret placeholders, Helm value tokens, and the chart's
 * conditions around config.toml parts. User text holding it would be taken for the library's
 * own (a secret filled in at pod start, a template expression), so it is refused at synth.
 */
export const MARKER_SYNTAX = /@@(secret:|value:|if:|endif@@)/;

/** The placeholder the init container replaces with the content of the Secret key `slot`. */
export function secretPlaceholder(slot: string): string {
  return `@@secret:${slot}@@`;
}

/** A string in the config model holding marker syntax where the library put none. */
export interface ForeignMarker {
  /** Where it is: keys and array indexes from the model's root. */
  readonly path: ReadonlyArray<string | number>;
  /** Whether the map key at `path` holds it (else the value at `path`). */
  readonly isKey: boolean;
  /** The string. */
  readonly text: string;
}

/** The placeholder sites of a config model, and every string holding marker syntax elsewhere. */
export interface MarkerScan {
  /** `TABLE.KEY=NAME` for each placeholder, in model order, without repeats: render-config.sh's arguments. */
  readonly sites: string[];
  /** Marker syntax the library did not put there. */
  readonly foreign: ForeignMarker[];
  /**
   * Strings that are a Helm value (an environment entry's value after `KEY=` included): whatever
   * a chart user sets there reaches config.toml, so the chart must refuse marker syntax in it.
   */
  readonly helmValues: ForeignMarker[];
}

const PLACEHOLDER = /^@@secret:([^"@]+)@@$/;

/**
 * Scans every string of the config model, map keys included: a secret placeholder is the
 * library's only at a {@link SECRET_SITE_FIELDS} field and as the field's whole value; Helm value
 * tokens are the library's when they name a declared value. Anything else with marker syntax is
 * foreign. One scan for every field, so a field added to the model later is covered too.
 */
export function scanMarkers(model: RunnerConfigToml): MarkerScan {
  const sites: string[] = [];
  const foreign: ForeignMarker[] = [];
  const helmValues: ForeignMarker[] = [];
  const visit = (value: unknown, path: Array<string | number>) => {
    if (typeof value === 'string') {
      const field = path.filter((p) => typeof p === 'string').join('.');
      const placeholder = PLACEHOLDER.exec(withoutValueTokens(value));
      if ((SECRET_SITE_FIELDS as readonly string[]).includes(field) && placeholder) {
        const site = `${field}=${value.slice('@@secret:'.length, -'@@'.length)}`;
        if (!sites.includes(site)) sites.push(site);
      } else if (MARKER_SYNTAX.test(withoutValueTokens(value)) || MARKER_SYNTAX.test(concrete(value))) {
        // The second test: a Helm value whose default holds the syntax (plain synth writes it).
        foreign.push({ path, isKey: false, text: value });
      } else if (valueOf(value) || (field === 'runners.environment' && valueOf(value.slice(value.indexOf('=') + 1)))) {
        helmValues.push({ path, isKey: false, text: value });
      }
    } else if (Array.isArray(value)) {
      value.forEach((item, i) => visit(item, [...path, i]));
    } else if (value !== null && typeof value === 'object') {
      for (const [k, item] of Object.entries(value)) {
        if (MARKER_SYNTAX.test(withoutValueTokens(k))) foreign.push({ path: [...path, k], isKey: true, text: k });
        visit(item, [...path, k]);
      }
    }
  };
  visit(model, []);
  return { sites, foreign, helmValues };
}
