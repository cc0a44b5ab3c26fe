// Imported before the package by tests/soak/workerd-worker.js: wraps WebAssembly.Instance so the
// package's instance (and so its exported memory) is visible to the soak; the package keeps it
// internal. Modules run in import order, so this runs before the package's entry calls initSync.
export const instances = [];

const Instance = WebAssembly.Instance;
WebAssembly.Instance = new Proxy(Instance, {
  construct(target, args) {
    const instance = Reflect.construct(target, args);
    instances.push(instance);
    return instance;
  },
});
