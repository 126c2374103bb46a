import { ApiObject, App } from 'cdk8s';
import { IConstruct } from 'constructs';
import { concrete } from './values';
import { validationMessage } from './errors';

const REGISTERED = new WeakSet<App>();

/**
 * Makes `app.synth()` fail when two objects share kind, namespace and name (two managers left at
 * the default name and namespace, a namespace emitted twice): the manifests would apply one over
 * the other. Called by every construct that names objects from props; registers once per app.
 */
export function ensureUniqueObjects(scope: IConstruct): void {
  const app = App.of(scope);
  if (REGISTERED.has(app)) return;
  REGISTERED.add(app);
  app.node.addValidation({
    validate: () => {
      const seen = new Map<string, string>();
      const errors: string[] = [];
      for (const c of app.node.findAll()) {
        if (!(c instanceof ApiObject)) continue;
        const id = `${c.kind} ${concrete(c.metadata.namespace ?? '-')}/${concrete(c.name)}`;
        const first = seen.get(id);
        if (first) {
          errors.push(validationMessage('object', id, `emitted twice, by ${first} and ${c.node.path}: give the constructs distinct name or namespace props (a namespace shared by two managers: set createNamespaces: false on one)`));
        } else {
          seen.set(id, c.node.path);
        }
      }
      return errors;
    },
  });
}
