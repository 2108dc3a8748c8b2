// Check a librechat.yaml as LibreChat itself does: js-yaml's load (LibreChat's loadYaml), then
// librechat-data-provider's configSchema.strict().safeParse (LibreChat's loadCustomConfig).
// Usage: node librechat_schema.js FILE [ENDPOINT_NAME], with NODE_PATH at the cache install's
// node_modules. The variables of LibreChat's .env come in through the environment, as compose
// gives them to LibreChat. Prints one JSON object: success, errors, and for ENDPOINT_NAME the
// parsed entry's name, baseURL, apiKey (as written) and models, plus the apiKey as LibreChat's
// extractEnvVariable resolves it (the key it would send).
"use strict";
const fs = require("fs");
const yaml = require("js-yaml");
const provider = require("librechat-data-provider");

const [file, endpoint] = process.argv.slice(2);
const out = { success: false, errors: [], endpoint: null };
let config;
try {
  config = yaml.load(fs.readFileSync(file, "utf8"));
} catch (err) {
  out.errors.push(`yaml: ${err.message}`);
  process.stdout.write(JSON.stringify(out));
  process.exit(0);
}
const result = provider.configSchema.strict().safeParse(config);
out.success = result.success;
if (!result.success) {
  out.errors = result.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`);
} else if (endpoint) {
  const custom = (result.data.endpoints && result.data.endpoints.custom) || [];
  const entry = custom.find((e) => e.name === endpoint);
  if (entry) {
    out.endpoint = {
      name: entry.name,
      baseURL: entry.baseURL,
      apiKey: entry.apiKey,
      resolvedApiKey: provider.extractEnvVariable(entry.apiKey),
      models: entry.models,
    };
  }
  out.endpoints = custom.map((e) => e.name);
}
process.stdout.write(JSON.stringify(out));
