"""The packaged preset files, parsed: written by scripts/compile-presets from the *.toml files
beside this module. Do not edit: edit the TOML, then run scripts/compile-presets (a test fails
while the two differ). gtwizard validates this data as it would the files themselves."""

from typing import Any

# file name -> the file's TOML document
FILES: dict[str, dict[str, Any]] = {'aider.toml': {'slug': 'aider',
                'name': 'Aider',
                'category': 'Developer tooling',
                'compatibility': 'guided',
                'recommended_key_preset': 'agentic-editor',
                'evidence': "Documented by GT and cross-checked against the vendor's own docs; not "
                            'verified end to end.',
                'documented_base_url': 'https://<tenant-host>/api/tenant',
                'official_docs': ['https://aider.chat/docs/llms/openai.html',
                                  'https://aider.chat/docs/config/options.html',
                                  'https://aider.chat/docs/config/dotenv.html'],
                'prerequisites': ['There is a published alias fit for coding.',
                                  'A separate inference key with only the chat scope is issued.'],
                'setup_steps': ['Provide OPENAI_API_KEY=gtak_... through the shell environment or '
                                'a .env file.',
                                'Run aider --openai-api-base https://<tenant-host>/api/tenant '
                                '--model openai/<published-alias> (the openai/ prefix is '
                                'required).',
                                'Send a short prompt and check that Aider produces a diff.',
                                'Rotate the key on a schedule that fits command-line use.'],
                'caveats': ["Aider's usual path never uses GT conversation uploads.",
                            'Persisted GT conversations rarely help command-line coding sessions.'],
                'not_supported': ['Aider edits local files; none of that touches GT conversation '
                                  'or dataset uploads.'],
                'config_fields': [{'field': '--openai-api-base',
                                   'value': 'https://<tenant-host>/api/tenant'},
                                  {'field': 'OPENAI_API_KEY', 'value': 'gtak_...'},
                                  {'field': '--model', 'value': 'openai/published-coding-alias'}],
                'routes': {'GET /v1/models': {'verdict': 'native',
                                              'integration': 'the published alias is passed with '
                                                             '--model'},
                           'POST /v1/chat/completions': {'verdict': 'native',
                                                         'integration': 'Aider sends chats through '
                                                                        'its OpenAI client to '
                                                                        '/v1/chat/completions'},
                           'POST /v1/embeddings': {'verdict': 'not_supported',
                                                   'integration': 'the usual Aider workflow does '
                                                                  'not use it'},
                           'POST /v1/audio/transcriptions': {'verdict': 'not_supported',
                                                             'integration': 'Aider does not offer '
                                                                            'it'},
                           'POST /v1/audio/speech': {'verdict': 'not_supported',
                                                     'integration': 'Aider does not offer it'},
                           'POST /v1/images/generations': {'verdict': 'not_supported',
                                                           'integration': 'Aider does not offer '
                                                                          'it'},
                           'POST /v1/conversations/files': {'verdict': 'not_supported',
                                                            'integration': 'does not apply'},
                           'POST /v1/datasets/{id}/files': {'verdict': 'not_supported',
                                                            'integration': 'does not apply'},
                           'GET /v1/files/{id}': {'verdict': 'not_supported',
                                                  'integration': 'does not apply'}},
                'validation_checklist': [{'id': 'prompt',
                                          'text': 'A prompt run through Aider is answered by the '
                                                  'GT alias.'},
                                         {'id': 'alias',
                                          'text': 'The key can see only the intended alias.'},
                                         {'id': 'rotation',
                                          'text': 'Aider keeps working after the key is '
                                                  'rotated.'}]},
 'anythingllm.toml': {'slug': 'anythingllm',
                      'name': 'AnythingLLM',
                      'category': 'Workflow and builders',
                      'compatibility': 'guided',
                      'recommended_key_preset': 'chat-embeddings',
                      'evidence': "Documented by GT and cross-checked against the vendor's own "
                                  'docs; not verified end to end.',
                      'documented_base_url': 'https://<tenant-host>/api/tenant',
                      'official_docs': ['https://docs.anythingllm.com/setup/llm-configuration/custom/openai',
                                        'https://docs.anythingllm.com/features/chat-ui',
                                        'https://docs.anythingllm.com/setup/embedder-configuration/local'],
                      'prerequisites': ["Choose between GT and AnythingLLM's local models for "
                                        'embeddings.',
                                        'Issue a chat-only or a chat plus embeddings key to match '
                                        'that choice.'],
                      'setup_steps': ['Open the admin settings, LLM Preference, and choose Generic '
                                      'OpenAI.',
                                      'Fill in https://<tenant-host>/api/tenant as API Base URL '
                                      'and add the GT key.',
                                      'Use the published alias as the chat model.',
                                      'Try a short workspace chat before rolling out further.'],
                      'caveats': ["AnythingLLM's document uploads do not replace GT dataset "
                                  'ingestion; add scripts if you need that.',
                                  'Keeping persisted GT threads needs integration work beyond the '
                                  'default LLM connector.'],
                      'not_supported': ['Documents added to a workspace stay in AnythingLLM; '
                                        'nothing is uploaded to GT datasets.',
                                        'Unless the embedder is explicitly set to Generic OpenAI '
                                        'on the GT base, the default embedder may bypass GT.'],
                      'config_fields': [{'field': 'Generic OpenAI → API Base URL',
                                         'value': 'https://<tenant-host>/api/tenant'},
                                        {'field': 'Generic OpenAI → API Key', 'value': 'gtak_...'},
                                        {'field': 'Generic OpenAI → Model',
                                         'value': 'published-agent-alias'}],
                      'routes': {'GET /v1/models': {'verdict': 'native',
                                                    'integration': 'the published alias goes in '
                                                                   'the model setting; an admin '
                                                                   'may test with a /v1/models '
                                                                   'call'},
                                 'POST /v1/chat/completions': {'verdict': 'native',
                                                               'integration': 'chats through the '
                                                                              'Generic OpenAI '
                                                                              'provider reach '
                                                                              '/v1/chat/completions'},
                                 'POST /v1/embeddings': {'verdict': 'native',
                                                         'integration': 'the Generic OpenAI '
                                                                        'embedder pointed at GT, '
                                                                        'once the embed scope is '
                                                                        'granted'},
                                 'POST /v1/audio/transcriptions': {'verdict': 'not_supported',
                                                                   'integration': 'not part of the '
                                                                                  'Generic OpenAI '
                                                                                  'chat setup'},
                                 'POST /v1/audio/speech': {'verdict': 'not_supported',
                                                           'integration': 'not part of the Generic '
                                                                          'OpenAI chat setup'},
                                 'POST /v1/images/generations': {'verdict': 'not_supported',
                                                                 'integration': 'not part of '
                                                                                "AnythingLLM's "
                                                                                'usual OpenAI chat '
                                                                                'configuration'},
                                 'POST /v1/conversations/files': {'verdict': 'not_supported',
                                                                  'integration': 'needs outside '
                                                                                 'automation; '
                                                                                 'workspace '
                                                                                 'uploads do not '
                                                                                 'use it'},
                                 'POST /v1/datasets/{id}/files': {'verdict': 'not_supported',
                                                                  'integration': 'needs outside '
                                                                                 'automation that '
                                                                                 'posts to the GT '
                                                                                 'dataset route'},
                                 'GET /v1/files/{id}': {'verdict': 'not_supported',
                                                        'integration': 'requires polling from '
                                                                       'outside once something was '
                                                                       'uploaded to GT'}},
                      'validation_checklist': [{'id': 'workspace-chat',
                                                'text': 'A workspace chat makes the round trip '
                                                        'through the GT alias.'},
                                               {'id': 'embeddings',
                                                'text': 'With the embed scope on, embedding '
                                                        'traffic through GT works.'},
                                               {'id': 'alias-vs-label',
                                                'text': 'Operators know the difference between the '
                                                        'published alias and the label shown in '
                                                        'the UI.'}]},
 'cline-roo.toml': {'slug': 'cline-roo',
                    'name': 'Cline / Roo Code',
                    'category': 'Developer tooling',
                    'compatibility': 'guided',
                    'recommended_key_preset': 'agentic-editor',
                    'evidence': "Documented by GT and cross-checked against the vendor's own docs; "
                                'not verified end to end.',
                    'documented_base_url': 'https://<tenant-host>/api/tenant',
                    'official_docs': ['https://docs.cline.bot/customization/custom-model',
                                      'https://docs.roocode.com/getting-started/connecting-api-providers',
                                      'https://docs.cline.bot/features/auto-approve'],
                    'prerequisites': ['Aliases meant for coding are published.',
                                      'Each rollout or developer gets an inference key of its '
                                      'own.'],
                    'setup_steps': ["Open the extension's settings and enter "
                                    'https://<tenant-host>/api/tenant as its OpenAI-compatible '
                                    'base URL.',
                                    "The GT key goes into the extension's API key setting.",
                                    'Use the published alias for the model id.',
                                    'Get one completion to succeed before enabling autonomous '
                                    'editing.'],
                    'caveats': ['GT upload and conversation routes are only reachable through HTTP '
                                'orchestration you add, never by default.',
                                "Automated edits arrive in bursts, so keep the key's scope tight."],
                    'not_supported': ["The extension's file context stays in the editor; it never "
                                      'becomes a GT conversation or dataset upload.'],
                    'config_fields': [{'field': 'Cline → openaiBaseUrl / OpenAI Base URL',
                                       'value': 'https://<tenant-host>/api/tenant'},
                                      {'field': 'Cline → openaiApiKey', 'value': 'gtak_...'},
                                      {'field': 'Roo Code → openAiBaseUrl (OpenAI Compatible '
                                                'provider)',
                                       'value': 'https://<tenant-host>/api/tenant'}],
                    'routes': {'GET /v1/models': {'verdict': 'native',
                                                  'integration': 'the published alias goes in the '
                                                                 "extension's model setting"},
                               'POST /v1/chat/completions': {'verdict': 'native',
                                                             'integration': 'chats go to '
                                                                            '/v1/chat/completions '
                                                                            'through the '
                                                                            "extension's "
                                                                            'OpenAI-compatible '
                                                                            'client'},
                               'POST /v1/embeddings': {'verdict': 'not_supported',
                                                       'integration': 'the usual Cline/Roo coding '
                                                                      'chat setup does not use it'},
                               'POST /v1/audio/transcriptions': {'verdict': 'not_supported',
                                                                 'integration': 'not on the '
                                                                                "extension's "
                                                                                'OpenAI path'},
                               'POST /v1/audio/speech': {'verdict': 'not_supported',
                                                         'integration': "not on the extension's "
                                                                        'OpenAI path'},
                               'POST /v1/images/generations': {'verdict': 'not_supported',
                                                               'integration': 'not on the '
                                                                              "extension's OpenAI "
                                                                              'path'},
                               'POST /v1/conversations/files': {'verdict': 'not_supported',
                                                                'integration': 'only if you add '
                                                                               'your own HTTP '
                                                                               'calls'},
                               'POST /v1/datasets/{id}/files': {'verdict': 'not_supported',
                                                                'integration': 'only if you add '
                                                                               'your own HTTP '
                                                                               'calls'},
                               'GET /v1/files/{id}': {'verdict': 'not_supported',
                                                      'integration': 'only if you add your own '
                                                                     'HTTP calls'}},
                    'validation_checklist': [{'id': 'task',
                                              'text': 'The extension reaches GT and completes a '
                                                      'single task.'},
                                             {'id': 'aliases',
                                              'text': 'Only the intended aliases can be seen and '
                                                      'selected.'},
                                             {'id': 'revocation-isolated',
                                              'text': 'Other integrations carry on when this key '
                                                      'is revoked.'}]},
 'continue.toml': {'slug': 'continue',
                   'name': 'Continue',
                   'category': 'Developer tooling',
                   'compatibility': 'guided',
                   'recommended_key_preset': 'agentic-editor',
                   'evidence': "Documented by GT and cross-checked against the vendor's own docs; "
                               'not verified end to end.',
                   'documented_base_url': 'https://<tenant-host>/api/tenant',
                   'doc_conflict': 'The matrix calls the Continue setting apiBaseUrl, but the '
                                   'runbook names the field models[].apiBase; this catalog uses '
                                   "the runbook's name.",
                   'official_docs': ['https://docs.continue.dev/customize/model-providers/openai',
                                     'https://docs.continue.dev/reference/json-reference',
                                     'https://docs.continue.dev/customize/model-providers/overview'],
                   'prerequisites': ['At least one alias meant for coding is published.',
                                     'An inference key is issued for this editor or agent tool '
                                     'alone.'],
                   'setup_steps': ["In Continue's config, create a model entry whose apiBase is "
                                   'https://<tenant-host>/api/tenant.',
                                   "Set apiKey to the GT key, through Continue's secret storage or "
                                   'an environment reference.',
                                   'For model, use one of the published aliases listed by GET '
                                   '/v1/models.',
                                   'Test it with a brief coding question from the chat panel.'],
                   'caveats': ['GT conversation uploads play no part in coding work.',
                               "MCP and Continue's other tools are outside what the GT API "
                               'covers.'],
                   'not_supported': ['Ordinary editor chat has no workflow for GT dataset or '
                                     'conversation uploads.'],
                   'config_fields': [{'field': 'config.yaml → models[].apiBase',
                                      'value': 'https://<tenant-host>/api/tenant'},
                                     {'field': 'config.yaml → models[].apiKey',
                                      'value': 'gtak_...'},
                                     {'field': 'config.yaml → models[].model',
                                      'value': 'published-coding-alias'}],
                   'routes': {'GET /v1/models': {'verdict': 'native',
                                                 'integration': 'the model id in the config must '
                                                                'be a published alias; a manual '
                                                                '/v1/models check while setting up '
                                                                'is optional'},
                              'POST /v1/chat/completions': {'verdict': 'native',
                                                            'integration': "chats from Continue's "
                                                                           'OpenAI provider reach '
                                                                           '/v1/chat/completions'},
                              'POST /v1/embeddings': {'verdict': 'not_supported',
                                                      'integration': 'the usual Continue chat '
                                                                     'configuration does not use '
                                                                     'it'},
                              'POST /v1/audio/transcriptions': {'verdict': 'not_supported',
                                                                'integration': "Continue's OpenAI "
                                                                               'chat path never '
                                                                               'calls it'},
                              'POST /v1/audio/speech': {'verdict': 'not_supported',
                                                        'integration': "Continue's OpenAI chat "
                                                                       'path never calls it'},
                              'POST /v1/images/generations': {'verdict': 'not_supported',
                                                              'integration': "Continue's OpenAI "
                                                                             'chat path never '
                                                                             'calls it'},
                              'POST /v1/conversations/files': {'verdict': 'not_supported',
                                                               'integration': 'does not apply to '
                                                                              'editor chat'},
                              'POST /v1/datasets/{id}/files': {'verdict': 'not_supported',
                                                               'integration': 'does not apply to '
                                                                              'editor chat'},
                              'GET /v1/files/{id}': {'verdict': 'not_supported',
                                                     'integration': 'does not apply to editor '
                                                                    'chat'}},
                   'validation_checklist': [{'id': 'alias',
                                             'text': 'Continue shows or uses the GT alias.'},
                                            {'id': 'rotation',
                                             'text': 'Answers keep coming after the key is '
                                                     'rotated.'},
                                            {'id': 'narrow-key',
                                             'text': 'The key is narrow and shows no unexpected '
                                                     'alias.'}]},
 'crewai.toml': {'slug': 'crewai',
                 'name': 'CrewAI',
                 'category': 'Framework and orchestration',
                 'compatibility': 'gt-extensions',
                 'recommended_key_preset': 'conversation-app',
                 'evidence': "Documented by GT and cross-checked against the vendor's own docs; "
                             'not verified end to end.',
                 'documented_base_url': 'https://<tenant-host>/api/tenant',
                 'official_docs': ['https://docs.crewai.com/concepts/llms',
                                   'https://docs.crewai.com/how-to/llm-connections',
                                   'https://docs.crewai.com/concepts/agents'],
                 'prerequisites': ['One published alias exists that every crew role will use.',
                                   'Before enabling uploads, decide whether the crew stays '
                                   'stateless or keeps one GT conversation per session.'],
                 'setup_steps': ["In the crew runner's environment, export "
                                 'OPENAI_API_BASE=${GT_BASE} and OPENAI_API_KEY=gtak_....',
                                 "Each agent's LLM uses the published alias as its model.",
                                 'Run a crew with a single task before turning on multi-agent '
                                 'autonomy.',
                                 'When the crew handles files, give it a custom tool that uploads '
                                 "to GT's routes with the bearer key."],
                 'caveats': ["Keep GT conversation ids in the crew's session state, not in "
                             "CrewAI's default memory.",
                             'When uploads must land in the same GT thread as the chat, use '
                             '/v1/conversations/files.'],
                 'not_supported': ['CrewAI does not handle GT conversation headers or multipart '
                                   'dataset uploads by itself.'],
                 'config_fields': [{'field': 'OPENAI_API_BASE / OPENAI_BASE_URL',
                                    'value': 'https://<tenant-host>/api/tenant'},
                                   {'field': 'OPENAI_API_KEY', 'value': 'gtak_...'},
                                   {'field': 'Agent LLM model', 'value': 'published-agent-alias'}],
                 'routes': {'GET /v1/models': {'verdict': 'native',
                                               'integration': 'the crew simply sends its '
                                                              'configured model string; list '
                                                              'models once by hand to confirm the '
                                                              'allowlist'},
                            'POST /v1/chat/completions': {'verdict': 'native',
                                                          'integration': 'the OpenAI LLM backend '
                                                                         'of CrewAI sends chats to '
                                                                         '/v1/chat/completions'},
                            'POST /v1/embeddings': {'verdict': 'not_supported',
                                                    'integration': "not on CrewAI's usual path; "
                                                                   'add your own tool if the embed '
                                                                   'scope is needed'},
                            'POST /v1/audio/transcriptions': {'verdict': 'not_supported',
                                                              'integration': 'not reachable '
                                                                             "through CrewAI's "
                                                                             'standard OpenAI LLM '
                                                                             'settings'},
                            'POST /v1/audio/speech': {'verdict': 'not_supported',
                                                      'integration': 'not reachable through '
                                                                     "CrewAI's standard OpenAI LLM "
                                                                     'settings'},
                            'POST /v1/images/generations': {'verdict': 'not_supported',
                                                            'integration': 'reachable only if '
                                                                           'tasks you write call '
                                                                           'the image route'},
                            'POST /v1/conversations/files': {'verdict': 'gt_extension',
                                                             'integration': 'a crew tool of your '
                                                                            'own that sends '
                                                                            'multipart with the GT '
                                                                            'headers'},
                            'POST /v1/datasets/{id}/files': {'verdict': 'gt_extension',
                                                             'integration': 'a crew tool of your '
                                                                            'own that targets the '
                                                                            'dataset upload route'},
                            'GET /v1/files/{id}': {'verdict': 'gt_extension',
                                                   'integration': 'a tool of your own that checks '
                                                                  '/v1/files/{id} until done'}},
                 'validation_checklist': [{'id': 'crew-roles',
                                           'text': 'Every crew role finishes its work within the '
                                                   'same alias boundary.'},
                                          {'id': 'conversation-log',
                                           'text': "With persistence on, the GT conversation id's "
                                                   'lifecycle is logged.'},
                                          {'id': 'uploads-gt-routes',
                                           'text': "Upload tasks call GT routes, not the vendor's "
                                                   'OpenAI file API.'}]},
 'cursor.toml': {'slug': 'cursor',
                 'name': 'Cursor',
                 'category': 'Developer tooling',
                 'compatibility': 'guided',
                 'recommended_key_preset': 'agentic-editor',
                 'evidence': "Documented by GT and cross-checked against the vendor's own docs; "
                             'not verified end to end.',
                 'documented_base_url': 'https://<tenant-host>/api/tenant',
                 'official_docs': ['https://docs.cursor.com/settings/models',
                                   'https://docs.cursor.com/settings/api-keys',
                                   'https://docs.cursor.com/chat/overview'],
                 'prerequisites': ['The Cursor build you run accepts a custom OpenAI base URL.',
                                   'An inference key is issued for this editor or agent tool '
                                   'alone.'],
                 'setup_steps': ['In Settings, Models, paste the GT key and set the base URL to '
                                 "the tenant's GT API address.",
                                 'Choose or map a published coding alias as the model name.',
                                 'Run a harmless completion in a workspace.',
                                 'Note down that Agent and Composer features may still use '
                                 "Cursor's own models."],
                 'caveats': ['GT conversation uploads are rarely relevant to chatting in the '
                             'editor.',
                             'If another proxy sits in front of GT, test that layer separately.'],
                 'not_supported': ['Agent mode and some Composer flows may ignore a custom OpenAI '
                                   'base URL, so GT only serves the paths that honour the '
                                   'override.',
                                   'Models hosted by Cursor cannot be sent to GT unless the '
                                   'override settings are used.'],
                 'config_fields': [{'field': 'Cursor Settings → OpenAI API Key',
                                    'value': 'gtak_...'},
                                   {'field': 'Cursor Settings → Override OpenAI Base URL',
                                    'value': 'https://<tenant-host>/api/tenant'},
                                   {'field': 'Model name / alias mapping',
                                    'value': 'published-coding-alias'}],
                 'routes': {'GET /v1/models': {'verdict': 'native',
                                               'integration': 'while the override is on, the model '
                                                              'picker uses the published alias'},
                            'POST /v1/chat/completions': {'verdict': 'native',
                                                          'integration': 'the chat modes that '
                                                                         'honour the override post '
                                                                         'to /v1/chat/completions '
                                                                         'on the custom base'},
                            'POST /v1/embeddings': {'verdict': 'not_supported',
                                                    'integration': 'the usual override settings do '
                                                                   'not expose it'},
                            'POST /v1/audio/transcriptions': {'verdict': 'not_supported',
                                                              'integration': 'the OpenAI override '
                                                                             'does not expose it'},
                            'POST /v1/audio/speech': {'verdict': 'not_supported',
                                                      'integration': 'the OpenAI override does not '
                                                                     'expose it'},
                            'POST /v1/images/generations': {'verdict': 'not_supported',
                                                            'integration': 'the OpenAI override '
                                                                           'does not expose it'},
                            'POST /v1/conversations/files': {'verdict': 'not_supported',
                                                             'integration': 'does not apply to the '
                                                                            'editor workflow'},
                            'POST /v1/datasets/{id}/files': {'verdict': 'not_supported',
                                                             'integration': 'does not apply to the '
                                                                            'editor workflow'},
                            'GET /v1/files/{id}': {'verdict': 'not_supported',
                                                   'integration': 'does not apply to the editor '
                                                                  'workflow'}},
                 'validation_checklist': [{'id': 'completions',
                                           'text': 'In the modes that honour the override, the '
                                                   'alias gives proper completions.'},
                                          {'id': 'dedicated-key',
                                           'text': 'Traffic uses a key of its own, not one shared '
                                                   'with an app.'},
                                          {'id': 'rotation',
                                           'text': 'The integration keeps working after the key is '
                                                   'rotated.'}]},
 'dify.toml': {'slug': 'dify',
               'name': 'Dify',
               'category': 'Workflow and builders',
               'compatibility': 'gt-extensions',
               'recommended_key_preset': 'chat-embeddings',
               'evidence': "Documented by GT and cross-checked against the vendor's own docs; not "
                           'verified end to end.',
               'documented_base_url': 'https://<tenant-host>/api/tenant',
               'official_docs': ['https://docs.dify.ai/guides/model-configuration/openai',
                                 'https://docs.dify.ai/guides/workflow/node/llm',
                                 'https://docs.dify.ai/guides/workflow/node/http-request'],
               'prerequisites': ['The aliases Dify apps and workflows will use are published under '
                                 'Published Endpoints.',
                                 'If knowledge bases or RAG use GT embeddings, grant '
                                 'inference:chat and inference:embed.'],
               'setup_steps': ['In the Dify console open Model Provider, choose '
                               "OpenAI-API-compatible and enter the tenant's GT API as base URL.",
                               "Store the GT key as the provider's credential.",
                               "Pick a published alias inside an app's LLM node, then try a "
                               'completion.',
                               'Where workflows need a GT conversation or dataset uploads, add '
                               'HTTP Request nodes.'],
               'caveats': ['Start GT conversations (POST /v1/conversations) from a workflow tool '
                           'you control, not from provider shortcuts.',
                           "Dify's built-in file APIs are not GT routes, so dataset uploads go "
                           'from HTTP nodes to /v1/datasets/{id}/files.'],
               'not_supported': ["Dify's vendor-style OpenAI file and assistant APIs do not "
                                 "correspond to GT's upload model."],
               'config_fields': [{'field': 'OpenAI-API-compatible → API Base URL',
                                  'value': 'https://<tenant-host>/api/tenant'},
                                 {'field': 'OpenAI-API-compatible → API Key', 'value': 'gtak_...'},
                                 {'field': 'LLM node → Model (published alias)',
                                  'value': 'published-agent-alias'}],
               'routes': {'GET /v1/models': {'verdict': 'native',
                                             'integration': "Dify's provider test, plus a "
                                                            'hand-made model listing while you '
                                                            'configure it'},
                          'POST /v1/chat/completions': {'verdict': 'native',
                                                        'integration': 'LLM nodes in apps and '
                                                                       'workflows reach '
                                                                       '/v1/chat/completions via '
                                                                       'the OpenAI-compatible '
                                                                       'provider'},
                          'POST /v1/embeddings': {'verdict': 'native',
                                                  'integration': 'embedding models chosen from '
                                                                 'that provider send their work to '
                                                                 '/v1/embeddings'},
                          'POST /v1/audio/transcriptions': {'verdict': 'not_supported',
                                                            'integration': 'the OpenAI-compatible '
                                                                           'provider does not '
                                                                           'offer it by default'},
                          'POST /v1/audio/speech': {'verdict': 'not_supported',
                                                    'integration': 'the OpenAI-compatible provider '
                                                                   'does not offer it by default'},
                          'POST /v1/images/generations': {'verdict': 'not_supported',
                                                          'integration': 'would need a published '
                                                                         'image-capable target and '
                                                                         'the GT image scope'},
                          'POST /v1/conversations/files': {'verdict': 'gt_extension',
                                                           'integration': 'an HTTP Request node in '
                                                                          'the workflow, multipart '
                                                                          'body plus the GT '
                                                                          'conversation header'},
                          'POST /v1/datasets/{id}/files': {'verdict': 'gt_extension',
                                                           'integration': 'an HTTP Request node in '
                                                                          'the workflow aimed at '
                                                                          'the dataset files '
                                                                          'route'},
                          'GET /v1/files/{id}': {'verdict': 'gt_extension',
                                                 'integration': 'a workflow HTTP node that keeps '
                                                                'checking the file id'}},
               'validation_checklist': [{'id': 'chat-embeddings',
                                         'text': 'Both chat and embedding nodes work against the '
                                                 'intended aliases.'},
                                        {'id': 'rotation',
                                         'text': 'Knowledge features keep working after the '
                                                 'credential is rotated.'},
                                        {'id': 'gt-steps-documented',
                                         'text': 'Steps that only GT needs are written down for '
                                                 'operators, not hidden behind provider '
                                                 'assumptions that fail.'}]},
 'flowise.toml': {'slug': 'flowise',
                  'name': 'Flowise',
                  'category': 'Workflow and builders',
                  'compatibility': 'guided',
                  'recommended_key_preset': 'conversation-app',
                  'evidence': "Documented by GT and cross-checked against the vendor's own docs; "
                              'not verified end to end.',
                  'documented_base_url': 'https://<tenant-host>/api/tenant',
                  'doc_conflict': 'The GT Keys page files Flowise under dataset upload automation, '
                                  'while the matrix and the Flowise runbook recommend the '
                                  'conversation app preset (this catalog follows the runbook). The '
                                  'runbook also marks embeddings unsupported yet describes a '
                                  'working embeddings node.',
                  'official_docs': ['https://docs.flowiseai.com/configuration/environment-variables',
                                    'https://docs.flowiseai.com/integrations/langchain/chat-models/chat-openai',
                                    'https://docs.flowiseai.com/using-flowise/agentflows'],
                  'prerequisites': ['Settle on chat only or conversation with uploads before '
                                    'picking the key preset.',
                                    'Each alias used as a ChatOpenAI Model Name has been '
                                    'published.'],
                  'setup_steps': ['Store the GT key as a new OpenAI API credential under Flowise '
                                  'Credentials.',
                                  'In the ChatOpenAI node, set Base Path to '
                                  'https://<tenant-host>/api/tenant, choose that credential and '
                                  'enter the alias as Model Name.',
                                  'Prove a single chatflow before switching on tool-using agents.',
                                  'When uploads or conversations are needed, add a Custom Tool '
                                  'node for the GT HTTP routes.'],
                  'caveats': ['Hand the conversation id from a Flowise Variable node to the chat '
                              'and upload nodes after it.',
                              'Automations that only ingest data should use the dataset-upload '
                              'preset.'],
                  'not_supported': ['Files loaded into a Flowise document store stay there; they '
                                    'are not uploaded to GT datasets.'],
                  'config_fields': [{'field': 'ChatOpenAI → Base Path',
                                     'value': 'https://<tenant-host>/api/tenant'},
                                    {'field': 'Credentials → openAIApiKey', 'value': 'gtak_...'},
                                    {'field': 'ChatOpenAI → Model Name',
                                     'value': 'published-agent-alias'}],
                  'routes': {'GET /v1/models': {'verdict': 'native',
                                                'integration': 'Model Name must be a published '
                                                               'alias; confirm with a curl to '
                                                               '/v1/models during setup'},
                             'POST /v1/chat/completions': {'verdict': 'native',
                                                           'integration': 'chats from the '
                                                                          'ChatOpenAI node reach '
                                                                          "GT's "
                                                                          '/v1/chat/completions'},
                             'POST /v1/embeddings': {'verdict': 'not_supported',
                                                     'integration': 'marked unsupported, although '
                                                                    "the runbook's own note says "
                                                                    'an OpenAI Embeddings node '
                                                                    'works with an embed-scoped '
                                                                    'key'},
                             'POST /v1/audio/transcriptions': {'verdict': 'not_supported',
                                                               'integration': 'not offered by '
                                                                              "Flowise's standard "
                                                                              'OpenAI chat nodes'},
                             'POST /v1/audio/speech': {'verdict': 'not_supported',
                                                       'integration': "not offered by Flowise's "
                                                                      'standard OpenAI chat nodes'},
                             'POST /v1/images/generations': {'verdict': 'not_supported',
                                                             'integration': 'only by adding an '
                                                                            'image node and the GT '
                                                                            'image scope'},
                             'POST /v1/conversations/files': {'verdict': 'gt_extension',
                                                              'integration': 'a Custom Tool whose '
                                                                             'multipart request '
                                                                             'targets the '
                                                                             'conversation files '
                                                                             'route'},
                             'POST /v1/datasets/{id}/files': {'verdict': 'gt_extension',
                                                              'integration': 'a Custom Tool whose '
                                                                             'multipart request '
                                                                             'targets the dataset '
                                                                             'files route'},
                             'GET /v1/files/{id}': {'verdict': 'gt_extension',
                                                    'integration': 'a Custom Tool that polls the '
                                                                   'file id with GET'}},
                  'validation_checklist': [{'id': 'chat',
                                            'text': 'The ChatOpenAI node gets an assistant reply '
                                                    'from the alias.'},
                                           {'id': 'custom-tool-auth',
                                            'text': 'The GT key that serves chat also '
                                                    'authenticates the Custom Tool and HTTP '
                                                    'nodes.'},
                                           {'id': 'upload-polling',
                                            'text': 'With uploads on, the execution history shows '
                                                    'the polling.'}]},
 'generic-openai-http.toml': {'slug': 'generic-openai-http',
                              'name': 'Generic OpenAI-compatible HTTP client',
                              'category': 'SDK and HTTP',
                              'compatibility': 'native',
                              'recommended_key_preset': 'chat-client',
                              'evidence': "Documented by GT and cross-checked against the vendor's "
                                          'own docs; not verified end to end.',
                              'documented_base_url': 'https://<tenant-host>/api/tenant',
                              'official_docs': ['https://platform.openai.com/docs/api-reference/introduction',
                                                'https://swagger.io/docs/specification/authentication/bearer-authentication/',
                                                'https://developer.mozilla.org/en-US/docs/Web/HTTP/Headers/Authorization'],
                              'prerequisites': ['Choose the narrowest key preset that covers the '
                                                'routes the client actually uses.',
                                                'Make sure the client lets you change both the '
                                                'base URL and the bearer header.'],
                              'setup_steps': ["Set the client's base URL to the tenant host "
                                              'followed by /api/tenant.',
                                              'Use the GT key shown when the key was created as '
                                              'the bearer token.',
                                              'Make sure the model listing responds and a single '
                                              'chat completion goes through.',
                                              'Only add the GT conversation and upload routes if '
                                              'the integration really needs them.'],
                              'caveats': ['Where needed, add POST /v1/conversations, the upload '
                                          'routes and file polling alongside ordinary chat.',
                                          'Use this entry for products not listed elsewhere, as '
                                          'long as they accept a custom URL and bearer key.'],
                              'not_supported': ["A product that only speaks its vendor's own API "
                                                'and cannot be given a custom OpenAI-compatible '
                                                'URL cannot call GT directly.'],
                              'config_fields': [{'field': 'Base URL / api_base / OPENAI_BASE_URL',
                                                 'value': 'https://<tenant-host>/api/tenant'},
                                                {'field': 'Authorization: Bearer',
                                                 'value': 'gtak_...'},
                                                {'field': 'model (request body)',
                                                 'value': 'published-agent-alias'}],
                              'routes': {'GET /v1/models': {'verdict': 'native',
                                                            'integration': 'a plain GET '
                                                                           '/v1/models, or an '
                                                                           'alias fixed in the '
                                                                           "client's config"},
                                         'POST /v1/chat/completions': {'verdict': 'native',
                                                                       'integration': 'a JSON '
                                                                                      'request to '
                                                                                      '/v1/chat/completions'},
                                         'POST /v1/embeddings': {'verdict': 'native',
                                                                 'integration': 'a request to '
                                                                                '/v1/embeddings, '
                                                                                'given the embed '
                                                                                'scope'},
                                         'POST /v1/audio/transcriptions': {'verdict': 'native',
                                                                           'integration': 'a '
                                                                                          'multipart '
                                                                                          'request '
                                                                                          'to '
                                                                                          '/v1/audio/transcriptions, '
                                                                                          'given '
                                                                                          'the '
                                                                                          'transcribe '
                                                                                          'scope'},
                                         'POST /v1/audio/speech': {'verdict': 'native',
                                                                   'integration': 'a request to '
                                                                                  '/v1/audio/speech, '
                                                                                  'given the '
                                                                                  'speech scope'},
                                         'POST /v1/images/generations': {'verdict': 'native',
                                                                         'integration': 'a request '
                                                                                        'to '
                                                                                        '/v1/images/generations, '
                                                                                        'given the '
                                                                                        'image '
                                                                                        'scope'},
                                         'POST /v1/conversations/files': {'verdict': 'gt_extension',
                                                                          'integration': 'a '
                                                                                         'multipart '
                                                                                         'request '
                                                                                         'to '
                                                                                         '/v1/conversations/files '
                                                                                         'that '
                                                                                         'includes '
                                                                                         'the GT '
                                                                                         'headers'},
                                         'POST /v1/datasets/{id}/files': {'verdict': 'gt_extension',
                                                                          'integration': 'send a '
                                                                                         'multipart '
                                                                                         'body to '
                                                                                         '/v1/datasets/{id}/files'},
                                         'GET /v1/files/{id}': {'verdict': 'gt_extension',
                                                                'integration': 'ask GET '
                                                                               '/v1/files/{id} '
                                                                               'repeatedly until '
                                                                               'the file settles'}},
                              'validation_checklist': [{'id': 'models-and-chat',
                                                        'text': 'Listing models works, and a '
                                                                'published alias answers a chat '
                                                                'request.'},
                                                       {'id': 'gt-routes',
                                                        'text': 'Each GT-only route the '
                                                                'integration uses has been '
                                                                'exercised end to end.'},
                                                       {'id': 'scopes-match',
                                                        'text': 'The granted scopes match the '
                                                                'routes the client really '
                                                                'calls.'}]},
 'hermes.toml': {'slug': 'hermes',
                 'name': 'Hermes Agent',
                 'category': 'Developer tooling',
                 'compatibility': 'native',
                 'recommended_key_preset': 'agentic-editor',
                 'evidence': "Documented by GT and cross-checked against the vendor's own docs; "
                             'not verified end to end.',
                 'documented_base_url': 'https://<tenant-host>/api/tenant',
                 'official_docs': ['https://hermes-agent.nousresearch.com/docs/integrations/providers',
                                   'https://hermes-agent.nousresearch.com/docs/developer-guide/adding-providers',
                                   'https://github.com/NousResearch/hermes-agent'],
                 'prerequisites': ['Hermes Agent is present on the machine (installed via hermes '
                                   "setup or a package, following Nous Research's instructions).",
                                   'Agentic chat has something to talk to: one or more published '
                                   'agent aliases or raw-model catalog names.',
                                   'An agentic-editor inference key exists, limited to the '
                                   'intended aliases.'],
                 'setup_steps': ['Pick Custom endpoint in `hermes model`, or change '
                                 '~/.hermes/config.yaml by hand.',
                                 'Use https://<tenant-host>/api/tenant as the base URL and leave '
                                 'off /v1: Hermes adds /v1/chat/completions on its own, unless '
                                 'your particular build wants the full path.',
                                 'Use a gtak_... key as the API key.',
                                 'Set the model to a published alias that GET /v1/models returns.',
                                 'From the Hermes terminal interface, send a brief prompt and make '
                                 'sure the answer comes from the model GT published.'],
                 'caveats': ['Hermes sends neither X-GT-Conversation-Id nor multipart uploads; if '
                             'you drive GT file routes yourself, add explicit HTTP calls.',
                             'Agent runners keep traffic flowing for long stretches: watch quotas '
                             "and keep the key's alias allowlist narrow."],
                 'not_supported': ['Auxiliary and vision tasks may go to another provider unless '
                                   'every task is pointed at the GT custom endpoint.',
                                   'GT conversation headers and multipart dataset uploads are '
                                   'outside the default custom-provider path.'],
                 'config_fields': [{'field': 'model.provider', 'value': 'custom'},
                                   {'field': 'model.base_url',
                                    'value': 'https://<tenant-host>/api/tenant'},
                                   {'field': 'model.api_key', 'value': 'gtak_...'},
                                   {'field': 'model.default (or model.model)',
                                    'value': 'published-agent-alias'},
                                   {'field': 'custom_providers[].api_mode',
                                    'value': 'chat_completions'}],
                 'routes': {'GET /v1/models': {'verdict': 'native',
                                               'integration': 'model.default names the alias; '
                                                              'listing /v1/models during setup is '
                                                              'a nice-to-have'},
                            'POST /v1/chat/completions': {'verdict': 'native',
                                                          'integration': 'chats flow to '
                                                                         '/v1/chat/completions '
                                                                         'through a custom '
                                                                         'provider set to '
                                                                         'api_mode: '
                                                                         'chat_completions'},
                            'POST /v1/embeddings': {'verdict': 'not_supported',
                                                    'integration': 'only if you add explicit embed '
                                                                   "calls to the agent's tooling"},
                            'POST /v1/audio/transcriptions': {'verdict': 'not_supported',
                                                              'integration': "not on Hermes's "
                                                                             'standard custom '
                                                                             'OpenAI path'},
                            'POST /v1/audio/speech': {'verdict': 'not_supported',
                                                      'integration': "not on Hermes's standard "
                                                                     'custom OpenAI path'},
                            'POST /v1/images/generations': {'verdict': 'not_supported',
                                                            'integration': 'off by default; only '
                                                                           'reachable when '
                                                                           'auxiliary vision tasks '
                                                                           'are pointed at GT'},
                            'POST /v1/conversations/files': {'verdict': 'gt_extension',
                                                             'integration': 'your own HTTP '
                                                                            'orchestration outside '
                                                                            "Hermes's defaults"},
                            'POST /v1/datasets/{id}/files': {'verdict': 'gt_extension',
                                                             'integration': 'your own HTTP '
                                                                            'orchestration outside '
                                                                            "Hermes's defaults"},
                            'GET /v1/files/{id}': {'verdict': 'gt_extension',
                                                   'integration': "your own polling in the agent's "
                                                                  'tooling'}},
                 'validation_checklist': [{'id': 'chat',
                                           'text': 'The custom provider reaches GT and chat '
                                                   'returns no 401 or 404.'},
                                          {'id': 'alias',
                                           'text': 'The configured model id is a published alias '
                                                   'that this key is allowed to see.'},
                                          {'id': 'revocation',
                                           'text': 'After the key is revoked or rotated, Hermes '
                                                   'traffic on the old key ends as intended.'}]},
 'key-presets.toml': {'key_preset': [{'slug': 'chat-client',
                                      'name': 'OpenAI-compatible chat client',
                                      'purpose': 'inference',
                                      'scopes': ['inference:chat'],
                                      'products': ['openai-sdk-curl',
                                                   'generic-openai-http',
                                                   'open-webui',
                                                   'librechat'],
                                      'notes': 'Carries the chat scope and nothing else. The Keys '
                                               'page also lists LiteLLM here, but its runbook asks '
                                               'for chat plus embeddings.'},
                                     {'slug': 'chat-embeddings',
                                      'name': 'Chat plus embeddings',
                                      'matrix_name': 'Chat plus embeddings framework client',
                                      'purpose': 'inference',
                                      'scopes': ['inference:chat', 'inference:embed'],
                                      'products': ['langchain',
                                                   'llamaindex',
                                                   'litellm',
                                                   'semantic-kernel',
                                                   'dify',
                                                   'anythingllm'],
                                      'notes': 'The chat scope plus inference:embed, for '
                                               'frameworks that also compute embeddings.'},
                                     {'slug': 'agentic-editor',
                                      'name': 'Agentic IDE or editor',
                                      'matrix_name': 'Agentic IDE or editor client',
                                      'purpose': 'inference',
                                      'scopes': ['inference:chat'],
                                      'products': ['continue',
                                                   'cursor',
                                                   'cline-roo',
                                                   'aider',
                                                   'manus',
                                                   'openclaw',
                                                   'hermes'],
                                      'notes': 'A chat-only key kept for one editor or agent tool, '
                                               'so it can be rotated or revoked on its own.'},
                                     {'slug': 'voice-audio',
                                      'name': 'Voice and audio',
                                      'purpose': 'inference',
                                      'scopes': ['inference:chat',
                                                 'inference:transcribe',
                                                 'inference:speech'],
                                      'products': [],
                                      'notes': 'Chat, speech-to-text and text-to-speech against '
                                               'one published multimodal alias.'},
                                     {'slug': 'image-generation',
                                      'name': 'Image generation',
                                      'purpose': 'inference',
                                      'scopes': ['inference:image'],
                                      'products': [],
                                      'notes': 'Only image generation through '
                                               '/v1/images/generations.'},
                                     {'slug': 'dataset-upload',
                                      'name': 'Dataset upload automation',
                                      'purpose': 'upload',
                                      'scopes': ['datasets:write'],
                                      'products': ['n8n'],
                                      'notes': 'For flows that only ingest files into fixed '
                                               'datasets. The Keys page names the upload purpose; '
                                               'datasets:write is the upload scope from the API '
                                               'reference. The Keys page also lists Langflow and '
                                               'Flowise here, but their runbooks recommend the '
                                               'conversation app preset.'},
                                     {'slug': 'conversation-app',
                                      'name': 'Conversation app with uploads',
                                      'purpose': 'conversation',
                                      'scopes': [],
                                      'products': ['vercel-ai-sdk',
                                                   'crewai',
                                                   'langflow',
                                                   'flowise',
                                                   'lovable'],
                                      'notes': 'Holds no scopes of its own: it links to an '
                                               'inference key and an upload key, which must exist '
                                               'first, and inherits their scopes and allowlists. '
                                               'Start threads with POST /v1/conversations and send '
                                               'X-GT-Conversation-Id afterwards.'}]},
 'langchain.toml': {'slug': 'langchain',
                    'name': 'LangChain',
                    'category': 'Framework and orchestration',
                    'compatibility': 'native',
                    'recommended_key_preset': 'chat-embeddings',
                    'evidence': "Documented by GT and cross-checked against the vendor's own docs; "
                                'not verified end to end.',
                    'documented_base_url': 'https://<tenant-host>/api/tenant',
                    'official_docs': ['https://python.langchain.com/docs/integrations/chat/openai/',
                                      'https://js.langchain.com/docs/integrations/chat/openai/',
                                      'https://python.langchain.com/docs/integrations/text_embedding/openai/'],
                    'prerequisites': ['Publish the agent aliases the chains use (and raw-model '
                                      'names if you need them).',
                                      'If vector stores call /v1/embeddings, issue an inference '
                                      'key with chat plus embeddings.'],
                    'setup_steps': ['Set base_url (Python) or baseURL (JS) to the tenant host '
                                    'followed by /api/tenant.',
                                    'Hand the GT key over as api_key / openAIApiKey.',
                                    "LangChain's model parameter takes a published alias.",
                                    'Before enabling retrieval chains, point OpenAIEmbeddings at '
                                    'the same base URL.'],
                    'caveats': ['For GT-managed continuity, let the application service call POST '
                                '/v1/conversations.',
                                'Uploads into /v1/datasets/{id}/files need explicit HTTP calls; '
                                'DirectoryLoader does not send anything to GT.'],
                    'not_supported': ["LangChain's own OpenAI Files helpers expect vendor file "
                                      'ids; they do not handle GT dataset or conversation '
                                      'uploads.'],
                    'config_fields': [{'field': 'ChatOpenAI.base_url (Python)',
                                       'value': 'https://<tenant-host>/api/tenant'},
                                      {'field': 'ChatOpenAI.api_key', 'value': 'gtak_...'},
                                      {'field': 'OpenAIEmbeddings.base_url',
                                       'value': 'https://<tenant-host>/api/tenant'}],
                    'routes': {'GET /v1/models': {'verdict': 'native',
                                                  'integration': 'implied by the configured model '
                                                                 'string; check once with curl GET '
                                                                 '/v1/models while setting up'},
                               'POST /v1/chat/completions': {'verdict': 'native',
                                                             'integration': "ChatOpenAI's "
                                                                            'OpenAI-compatible '
                                                                            'client is what '
                                                                            'reaches '
                                                                            '/v1/chat/completions'},
                               'POST /v1/embeddings': {'verdict': 'native',
                                                       'integration': 'embedding calls from '
                                                                      'OpenAIEmbeddings hit '
                                                                      '/v1/embeddings with that '
                                                                      'alias'},
                               'POST /v1/audio/transcriptions': {'verdict': 'not_supported',
                                                                 'integration': "LangChain's "
                                                                                'standard OpenAI '
                                                                                'chat integrations '
                                                                                'do not offer it'},
                               'POST /v1/audio/speech': {'verdict': 'not_supported',
                                                         'integration': "LangChain's standard "
                                                                        'OpenAI chat integrations '
                                                                        'do not offer it'},
                               'POST /v1/images/generations': {'verdict': 'not_supported',
                                                               'integration': 'only via '
                                                                              "LangChain's OpenAI "
                                                                              'image helpers, and '
                                                                              'only with an image '
                                                                              'scope on the key'},
                               'POST /v1/conversations/files': {'verdict': 'gt_extension',
                                                                'integration': 'a separate Python '
                                                                               'or JS HTTP client '
                                                                               'next to the chain'},
                               'POST /v1/datasets/{id}/files': {'verdict': 'gt_extension',
                                                                'integration': 'a separate '
                                                                               'ingestion script '
                                                                               'or tool that '
                                                                               'performs the GT '
                                                                               'multipart upload'},
                               'GET /v1/files/{id}': {'verdict': 'gt_extension',
                                                      'integration': 'wrapper code polls after the '
                                                                     'upload'}},
                    'validation_checklist': [{'id': 'chain-run',
                                              'text': 'A chain run returns assistant output in the '
                                                      'OpenAI format.'},
                                             {'id': 'embeddings',
                                              'text': 'Embedding batches succeed for the same '
                                                      'alias, when enabled.'},
                                             {'id': 'rotation',
                                              'text': 'Rotating the key only changes env or config '
                                                      'and exposes no extra alias.'}]},
 'langflow.toml': {'slug': 'langflow',
                   'name': 'Langflow',
                   'category': 'Workflow and builders',
                   'compatibility': 'guided',
                   'recommended_key_preset': 'conversation-app',
                   'evidence': "Documented by GT and cross-checked against the vendor's own docs; "
                               'not verified end to end.',
                   'documented_base_url': 'https://<tenant-host>/api/tenant',
                   'doc_conflict': 'The GT Keys page files Langflow under dataset upload '
                                   'automation, while the matrix and the Langflow runbook '
                                   'recommend the conversation app preset (this catalog follows '
                                   'the runbook). The runbook also marks embeddings unsupported '
                                   'yet describes a working embeddings component.',
                   'official_docs': ['https://docs.langflow.org/components-models',
                                     'https://docs.langflow.org/configuration-global-vars',
                                     'https://docs.langflow.org/components-data#http-request'],
                   'prerequisites': ['Before building the flow, choose between the inference-only, '
                                     'dataset-upload and conversation-with-uploads presets.',
                                     'Any alias entered in an OpenAI component is one that has '
                                     'been published.'],
                   'setup_steps': ['Drop in an OpenAI model component whose API Base URL is the '
                                   'tenant host plus /api/tenant.',
                                   "Supply the GT key through the component's API key field or a "
                                   'secret it references.',
                                   'For the model, pick one of the published aliases that GET '
                                   '/v1/models returns.',
                                   'Where the flow needs them, use HTTP Request nodes for '
                                   'conversation creation, uploads and file-status polling.'],
                   'caveats': ["Pass X-GT-Conversation-Id from node to node through Langflow's "
                               'session or component state.',
                               'A flow that only feeds fixed datasets is better served by the '
                               'dataset-upload preset.'],
                   'not_supported': ["The OpenAI file components in Langflow target the vendor's "
                                     'Files API and cannot feed GT datasets or conversations.'],
                   'config_fields': [{'field': 'OpenAI component → OpenAI API Base',
                                      'value': 'https://<tenant-host>/api/tenant'},
                                     {'field': 'OpenAI component → API Key', 'value': 'gtak_...'},
                                     {'field': 'Global variable LANGFLOW_OPENAI_API_BASE '
                                               '(optional)',
                                      'value': 'https://<tenant-host>/api/tenant'}],
                   'routes': {'GET /v1/models': {'verdict': 'native',
                                                 'integration': 'the published alias goes in the '
                                                                "component's model field; during "
                                                                'setup an HTTP node may fetch the '
                                                                'model list'},
                              'POST /v1/chat/completions': {'verdict': 'native',
                                                            'integration': 'the OpenAI chat '
                                                                           'component in Langflow '
                                                                           'sends its turns to '
                                                                           '/v1/chat/completions'},
                              'POST /v1/embeddings': {'verdict': 'not_supported',
                                                      'integration': 'marked unsupported, although '
                                                                     "the runbook's own note says "
                                                                     'the OpenAI embeddings '
                                                                     'component works with an '
                                                                     'embed-scoped key'},
                              'POST /v1/audio/transcriptions': {'verdict': 'not_supported',
                                                                'integration': 'Langflow has no '
                                                                               'standard OpenAI '
                                                                               'audio component '
                                                                               'for a custom GT '
                                                                               'base'},
                              'POST /v1/audio/speech': {'verdict': 'not_supported',
                                                        'integration': 'Langflow has no standard '
                                                                       'OpenAI audio component for '
                                                                       'a custom GT base'},
                              'POST /v1/images/generations': {'verdict': 'not_supported',
                                                              'integration': 'would need its own '
                                                                             'image component plus '
                                                                             'the GT image scope'},
                              'POST /v1/conversations/files': {'verdict': 'gt_extension',
                                                               'integration': 'HTTP Request node '
                                                                              'with a multipart '
                                                                              'body aimed at '
                                                                              '/v1/conversations/files'},
                              'POST /v1/datasets/{id}/files': {'verdict': 'gt_extension',
                                                               'integration': 'HTTP Request node '
                                                                              'with a multipart '
                                                                              'body aimed at '
                                                                              '/v1/datasets/{id}/files'},
                              'GET /v1/files/{id}': {'verdict': 'gt_extension',
                                                     'integration': 'an HTTP Request node that '
                                                                    'repeats GET /v1/files/{id}'}},
                   'validation_checklist': [{'id': 'chat',
                                             'text': 'A chat turn through the OpenAI component '
                                                     'succeeds on the alias.'},
                                            {'id': 'http-nodes',
                                             'text': 'The HTTP nodes work with that same key and '
                                                     'carry the GT headers.'},
                                            {'id': 'upload-logged',
                                             'text': 'Uploads and their polling show up in the '
                                                     'execution logs.'}]},
 'librechat.toml': {'slug': 'librechat',
                    'name': 'LibreChat',
                    'category': 'Workflow and builders',
                    'compatibility': 'guided',
                    'recommended_key_preset': 'chat-client',
                    'evidence': "Documented by GT and cross-checked against the vendor's own docs; "
                                'not verified end to end.',
                    'documented_base_url': 'https://<tenant-host>/api/tenant',
                    'official_docs': ['https://www.librechat.ai/docs/configuration/librechat_yaml/ai_endpoints',
                                      'https://www.librechat.ai/docs/configuration/dotenv',
                                      'https://www.librechat.ai/docs/configuration/librechat_yaml/object_structure/custom_endpoint'],
                    'prerequisites': ['Settle which groups of users in this deployment get GT '
                                      'access in the first place.',
                                      'Where strict isolation matters, use one inference key per '
                                      'environment.'],
                    'setup_steps': ['In librechat.yaml or the environment, point the '
                                    "OpenAI-compatible endpoint URL at the tenant's GT API base.",
                                    "Keep the GT key in LibreChat's secrets or environment.",
                                    'Make sure the model names users can choose are published '
                                    'aliases.',
                                    'Run one chat completion all the way through.'],
                    'caveats': ['Persisted GT threads need the conversation bootstrap built as '
                                'custom middleware.',
                                'Once embeddings are routed through GT, move to the chat plus '
                                'embeddings preset.'],
                    'not_supported': ["Without custom middleware, LibreChat's built-in uploads "
                                      "never reach GT's multipart routes."],
                    'config_fields': [{'field': 'OPENAI_REVERSE_PROXY',
                                       'value': 'https://<tenant-host>/api/tenant'},
                                      {'field': 'OPENAI_API_KEY', 'value': 'gtak_...'},
                                      {'field': 'librechat.yaml → endpoints.custom[].baseURL',
                                       'value': 'https://<tenant-host>/api/tenant'}],
                    'routes': {'GET /v1/models': {'verdict': 'native',
                                                  'integration': 'either the model list configured '
                                                                 'on the custom endpoint or a live '
                                                                 '/v1/models fetch'},
                               'POST /v1/chat/completions': {'verdict': 'native',
                                                             'integration': 'the OpenAI client '
                                                                            'inside LibreChat '
                                                                            'sends chats to '
                                                                            '/v1/chat/completions'},
                               'POST /v1/embeddings': {'verdict': 'native',
                                                       'integration': 'works if the key holds the '
                                                                      "embed scope and LibreChat's "
                                                                      'embeddings use the same '
                                                                      'upstream'},
                               'POST /v1/audio/transcriptions': {'verdict': 'not_supported',
                                                                 'integration': 'outside what a '
                                                                                'default custom '
                                                                                'OpenAI endpoint '
                                                                                'does'},
                               'POST /v1/audio/speech': {'verdict': 'not_supported',
                                                         'integration': 'outside what a default '
                                                                        'custom OpenAI endpoint '
                                                                        'does'},
                               'POST /v1/images/generations': {'verdict': 'not_supported',
                                                               'integration': 'not by default; '
                                                                              'only with an image '
                                                                              'endpoint set up '
                                                                              'with the GT image '
                                                                              'scope'},
                               'POST /v1/conversations/files': {'verdict': 'not_supported',
                                                                'integration': 'only via custom '
                                                                               'middleware that '
                                                                               'sends multipart; '
                                                                               "LibreChat's own "
                                                                               'files do not use '
                                                                               'it'},
                               'POST /v1/datasets/{id}/files': {'verdict': 'not_supported',
                                                                'integration': 'reachable only '
                                                                               'through middleware '
                                                                               'you write for the '
                                                                               'GT dataset route'},
                               'GET /v1/files/{id}': {'verdict': 'not_supported',
                                                      'integration': 'reachable only through '
                                                                     'middleware you write that '
                                                                     'polls'}},
                    'validation_checklist': [{'id': 'chat',
                                              'text': 'Chatting through a published alias works.'},
                                             {'id': 'no-internal-endpoints',
                                              'text': 'Internal endpoints do not appear in model '
                                                      'lists.'},
                                             {'id': 'rotation-isolated',
                                              'text': "LibreChat's other providers are unaffected "
                                                      'when this credential is rotated.'}]},
 'litellm.toml': {'slug': 'litellm',
                  'name': 'LiteLLM',
                  'category': 'Framework and orchestration',
                  'compatibility': 'native',
                  'recommended_key_preset': 'chat-embeddings',
                  'evidence': "Documented by GT and cross-checked against the vendor's own docs; "
                              'not verified end to end.',
                  'documented_base_url': 'https://<tenant-host>/api/tenant',
                  'doc_conflict': 'The GT Keys page files LiteLLM under the chat-only preset, '
                                  'while the compatibility matrix and the LiteLLM runbook '
                                  'recommend chat plus embeddings; this catalog follows the '
                                  'runbook.',
                  'official_docs': ['https://docs.litellm.ai/docs/providers/openai',
                                    'https://docs.litellm.ai/docs/proxy/configs',
                                    'https://docs.litellm.ai/docs/embedding/supported_embedding'],
                  'prerequisites': ['Prove that GT answers through curl or the OpenAI SDK before '
                                    'putting LiteLLM in front.',
                                    'Keep the inference key narrow; add inference:embed only if '
                                    'downstream apps need embeddings.'],
                  'setup_steps': ['Register GT in the proxy as an OpenAI-compatible upstream, or '
                                  'pass api_base on each request (model names take the '
                                  'openai/<alias> form).',
                                  'Offer the published GT aliases to downstream consumers as '
                                  'LiteLLM model names.',
                                  'If the key has the embed scope, try litellm.embedding().',
                                  'Prove a single non-streaming chat completion via LiteLLM before '
                                  'widening the rollout.'],
                  'caveats': ["Neither GT's multipart uploads nor its conversation bootstrap pass "
                              "through LiteLLM's router.",
                              'When uploads are needed, run the GT-specific HTTP calls from '
                              'automation outside the proxy.'],
                  'not_supported': ["LiteLLM knows nothing of GT conversation headers or GT's "
                                    'multipart dataset uploads.'],
                  'config_fields': [{'field': 'litellm_settings.api_base (proxy)',
                                     'value': 'https://<tenant-host>/api/tenant'},
                                    {'field': 'model_list[].litellm_params.api_base',
                                     'value': 'https://<tenant-host>/api/tenant'},
                                    {'field': 'model_list[].litellm_params.api_key',
                                     'value': 'gtak_...'}],
                  'routes': {'GET /v1/models': {'verdict': 'native',
                                                'integration': 'the proxy may forward GET '
                                                               '/v1/models or serve a fixed alias '
                                                               'map; check which'},
                             'POST /v1/chat/completions': {'verdict': 'native',
                                                           'integration': 'completion() is passed '
                                                                          "on to GT's "
                                                                          '/v1/chat/completions'},
                             'POST /v1/embeddings': {'verdict': 'native',
                                                     'integration': 'if configured, embedding() is '
                                                                    "passed on to GT's "
                                                                    '/v1/embeddings'},
                             'POST /v1/audio/transcriptions': {'verdict': 'not_supported',
                                                               'integration': 'not a standard '
                                                                              'LiteLLM OpenAI '
                                                                              'proxy path to GT'},
                             'POST /v1/audio/speech': {'verdict': 'not_supported',
                                                       'integration': 'not a standard LiteLLM '
                                                                      'OpenAI proxy path to GT'},
                             'POST /v1/images/generations': {'verdict': 'not_supported',
                                                             'integration': 'needs an explicit '
                                                                            'image route in the '
                                                                            'config plus the GT '
                                                                            'image scope'},
                             'POST /v1/conversations/files': {'verdict': 'gt_extension',
                                                              'integration': 'a separate HTTP job, '
                                                                             "outside LiteLLM's "
                                                                             'router'},
                             'POST /v1/datasets/{id}/files': {'verdict': 'gt_extension',
                                                              'integration': 'a separate HTTP job, '
                                                                             "outside LiteLLM's "
                                                                             'router'},
                             'GET /v1/files/{id}': {'verdict': 'gt_extension',
                                                    'integration': 'a separate polling script'}},
                  'validation_checklist': [{'id': 'model-map',
                                            'text': 'Clients behind the proxy get the alias list '
                                                    'or fixed model map they should.'},
                                           {'id': 'openai-shape',
                                            'text': 'Responses for chat and embeddings come out of '
                                                    'the proxy still in OpenAI form.'},
                                           {'id': 'rotation',
                                            'text': 'Rotating the upstream GT key needs no change '
                                                    'to downstream model ids.'}]},
 'llamaindex.toml': {'slug': 'llamaindex',
                     'name': 'LlamaIndex',
                     'category': 'Framework and orchestration',
                     'compatibility': 'native',
                     'recommended_key_preset': 'chat-embeddings',
                     'evidence': "Documented by GT and cross-checked against the vendor's own "
                                 'docs; not verified end to end.',
                     'documented_base_url': 'https://<tenant-host>/api/tenant',
                     'official_docs': ['https://docs.llamaindex.ai/en/stable/api_reference/llms/openai/',
                                       'https://docs.llamaindex.ai/en/stable/examples/embeddings/OpenAI/',
                                       'https://docs.llamaindex.ai/en/stable/module_guides/models/llms/'],
                     'prerequisites': ['The aliases the pipelines call are published.',
                                       'If both the LLM and the embedding stage go through GT, '
                                       'issue a chat plus embeddings key.'],
                     'setup_steps': ['On the OpenAI LLM and embedding classes, set api_base / '
                                     "base_url to the tenant's /api/tenant address.",
                                     'Pass the GT key as api_key, from the environment or in the '
                                     'constructor.',
                                     'Query engines name a published alias as their model.',
                                     'Prove one simple RAG query before building agents or '
                                     'multi-step workflows.'],
                     'caveats': ['Keep GT conversation ids in your own service layer, not in '
                                 'LlamaIndex storage.',
                                 'If tenant RAG should run on GT-managed corpora, send the '
                                 'documents to GT datasets over plain HTTP before indexing.'],
                     'not_supported': ['LlamaIndex data connectors never upload into GT dataset '
                                       'routes by themselves.'],
                     'config_fields': [{'field': 'OpenAI.api_base / OpenAILike.api_base',
                                        'value': 'https://<tenant-host>/api/tenant'},
                                       {'field': 'OPENAI_API_KEY', 'value': 'gtak_...'},
                                       {'field': 'OpenAIEmbedding.api_base',
                                        'value': 'https://<tenant-host>/api/tenant'}],
                     'routes': {'GET /v1/models': {'verdict': 'native',
                                                   'integration': 'the configured model name must '
                                                                  'be a published alias; confirm '
                                                                  'with a manual GET /v1/models'},
                                'POST /v1/chat/completions': {'verdict': 'native',
                                                              'integration': 'OpenAI LLM / '
                                                                             'OpenAILike send '
                                                                             'their chat requests '
                                                                             'to GT'},
                                'POST /v1/embeddings': {'verdict': 'native',
                                                        'integration': 'OpenAIEmbedding sends its '
                                                                       'batches to /v1/embeddings'},
                                'POST /v1/audio/transcriptions': {'verdict': 'not_supported',
                                                                  'integration': 'LlamaIndex has '
                                                                                 'no standard '
                                                                                 'OpenAI audio '
                                                                                 'integration for '
                                                                                 'a custom base '
                                                                                 'URL'},
                                'POST /v1/audio/speech': {'verdict': 'not_supported',
                                                          'integration': 'LlamaIndex has no '
                                                                         'standard OpenAI speech '
                                                                         'integration for a custom '
                                                                         'base URL'},
                                'POST /v1/images/generations': {'verdict': 'not_supported',
                                                                'integration': 'not part of the '
                                                                               'usual LlamaIndex '
                                                                               'OpenAI LLM setup'},
                                'POST /v1/conversations/files': {'verdict': 'gt_extension',
                                                                 'integration': 'the host '
                                                                                'application sends '
                                                                                'the multipart '
                                                                                'call with the GT '
                                                                                'conversation '
                                                                                'header'},
                                'POST /v1/datasets/{id}/files': {'verdict': 'gt_extension',
                                                                 'integration': 'a separate '
                                                                                'ingestion job '
                                                                                'posts to '
                                                                                '/v1/datasets/{id}/files'},
                                'GET /v1/files/{id}': {'verdict': 'gt_extension',
                                                       'integration': 'after uploading to GT, the '
                                                                      'host application keeps '
                                                                      'checking the file'}},
                     'validation_checklist': [{'id': 'query-engine',
                                               'text': 'A query engine answers through the '
                                                       'published alias.'},
                                              {'id': 'embeddings',
                                               'text': 'Embeddings succeed when the key carries '
                                                       'inference:embed.'},
                                              {'id': 'models-no-surprises',
                                               'text': 'Listing models again by hand shows no '
                                                       'unexpected names.'}]},
 'lovable.toml': {'slug': 'lovable',
                  'name': 'Lovable',
                  'category': 'Workflow and builders',
                  'compatibility': 'gt-extensions',
                  'recommended_key_preset': 'conversation-app',
                  'evidence': "Documented by GT and cross-checked against the vendor's own docs; "
                              'not verified end to end.',
                  'documented_base_url': 'https://<tenant-host>/api/tenant',
                  'official_docs': ['https://docs.lovable.dev/',
                                    'https://docs.lovable.dev/features/environment-variables',
                                    'https://docs.lovable.dev/features/backend'],
                  'prerequisites': ['Whatever alias the generated app offers has been published.',
                                    'For the conversation app preset, create the linked inference '
                                    'and upload keys first.'],
                  'setup_steps': ['In the Lovable project settings, add server environment '
                                  'variables for the GT base URL and the key.',
                                  "Let the backend's Route Handler talk to GT's "
                                  '/v1/chat/completions, using fetch or the OpenAI SDK.',
                                  'Write a server helper that calls POST /v1/conversations and '
                                  'reuses the id on later turns.',
                                  'No gtak_... key may ever appear in code that runs in the '
                                  'browser.'],
                  'caveats': ['Uploads to /v1/conversations/files come from server routes bound to '
                              'that same conversation id.',
                              'Before an upload is used in a prompt, the server polls '
                              '/v1/files/{id} until it is ready.'],
                  'not_supported': ['The hosted builder may not let every AI feature use a custom '
                                    'OpenAI base unless you control the backend code.',
                                    'An OpenAI key that reaches the browser can never safely be a '
                                    'GT bearer credential.'],
                  'config_fields': [{'field': 'GT_API_BASE_URL (server env)',
                                     'value': 'https://<tenant-host>/api/tenant'},
                                    {'field': 'GT_API_KEY (server env)', 'value': 'gtak_...'},
                                    {'field': 'Model id in backend code',
                                     'value': 'published-agent-alias'}],
                  'routes': {'GET /v1/models': {'verdict': 'native',
                                                'integration': 'the server fetches /v1/models to '
                                                               "fill the app's model picker"},
                             'POST /v1/chat/completions': {'verdict': 'native',
                                                           'integration': 'chats reach '
                                                                          '/v1/chat/completions '
                                                                          'from a Route Handler on '
                                                                          'the server'},
                             'POST /v1/embeddings': {'verdict': 'native',
                                                     'integration': 'an embedding helper on the '
                                                                    'server, for RAG that needs '
                                                                    '/v1/embeddings'},
                             'POST /v1/audio/transcriptions': {'verdict': 'not_supported',
                                                               'integration': "not on Lovable's "
                                                                              'default template '
                                                                              'path'},
                             'POST /v1/audio/speech': {'verdict': 'not_supported',
                                                       'integration': "not on Lovable's default "
                                                                      'template path'},
                             'POST /v1/images/generations': {'verdict': 'not_supported',
                                                             'integration': 'possible from the '
                                                                            'server once the key '
                                                                            'has the image scope'},
                             'POST /v1/conversations/files': {'verdict': 'gt_extension',
                                                              'integration': 'a multipart request '
                                                                             'from the server to '
                                                                             'the conversation '
                                                                             'files route'},
                             'POST /v1/datasets/{id}/files': {'verdict': 'gt_extension',
                                                              'integration': 'automation on the '
                                                                             'server that targets '
                                                                             'the dataset files '
                                                                             'route'},
                             'GET /v1/files/{id}': {'verdict': 'gt_extension',
                                                    'integration': 'the server polls the file id '
                                                                   'with GET'}},
                  'validation_checklist': [{'id': 'chat',
                                            'text': 'Chat in the generated app is answered by the '
                                                    'alias.'},
                                           {'id': 'conversation-id',
                                            'text': 'Conversation ids are created on the server '
                                                    'and carried into later calls.'},
                                           {'id': 'key-boundary',
                                            'text': 'The GT key never leaves its intended trust '
                                                    'boundary.'}]},
 'manus.toml': {'slug': 'manus',
                'name': 'Manus',
                'category': 'Developer tooling',
                'compatibility': 'guided',
                'recommended_key_preset': 'agentic-editor',
                'evidence': "Documented by GT and cross-checked against the vendor's own docs; not "
                            'verified end to end.',
                'documented_base_url': 'https://<tenant-host>/api/tenant',
                'official_docs': ['https://manus.im/docs',
                                  'https://manus.im/help',
                                  'https://open.manus.ai/docs'],
                'prerequisites': ['Your Manus plan allows a base URL of your choosing for '
                                  'OpenAI-compatible calls.',
                                  'An inference key is issued for this editor or agent tool '
                                  'alone.'],
                'setup_steps': ["Find the OpenAI-compatible or custom API settings among Manus's "
                                'provider or API settings.',
                                'Where a base URL override is offered, fill in '
                                'https://<tenant-host>/api/tenant together with the GT key.',
                                'Enter a published alias as the model and run a single small task.',
                                'Stop the rollout if Manus only allows its own hosted endpoints.'],
                'caveats': ['Wait until plain chat runs reliably before wrapping extra HTTP calls '
                            'around it.',
                            "Keep the key's scope minimal until the base URL is proven to work."],
                'not_supported': ["By default Manus's custom API is not a plain OpenAI /v1 base; "
                                  'GT needs an explicit OpenAI-compatible override.',
                                  'Hosted Manus has no route to GT unless it offers a custom base '
                                  'URL setting.'],
                'config_fields': [{'field': 'Custom API / OpenAI Base URL (when available)',
                                   'value': 'https://<tenant-host>/api/tenant'},
                                  {'field': 'API Key', 'value': 'gtak_...'},
                                  {'field': 'Model name', 'value': 'published-agent-alias'}],
                'routes': {'GET /v1/models': {'verdict': 'native',
                                              'integration': 'works only if Manus takes a custom '
                                                             'OpenAI base, with the alias spelled '
                                                             'exactly as published'},
                           'POST /v1/chat/completions': {'verdict': 'native',
                                                         'integration': 'when the override is '
                                                                        'honoured, task chats '
                                                                        'reach '
                                                                        '/v1/chat/completions'},
                           'POST /v1/embeddings': {'verdict': 'not_supported',
                                                   'integration': 'no documented Manus custom-API '
                                                                  'path leads here'},
                           'POST /v1/audio/transcriptions': {'verdict': 'not_supported',
                                                             'integration': 'not reachable through '
                                                                            "Manus's custom API"},
                           'POST /v1/audio/speech': {'verdict': 'not_supported',
                                                     'integration': "not reachable through Manus's "
                                                                    'custom API'},
                           'POST /v1/images/generations': {'verdict': 'not_supported',
                                                           'integration': 'not reachable through '
                                                                          "Manus's custom API"},
                           'POST /v1/conversations/files': {'verdict': 'not_supported',
                                                            'integration': 'needs your own '
                                                                           'orchestration outside '
                                                                           "Manus's defaults"},
                           'POST /v1/datasets/{id}/files': {'verdict': 'not_supported',
                                                            'integration': 'needs your own '
                                                                           'orchestration outside '
                                                                           "Manus's defaults"},
                           'GET /v1/files/{id}': {'verdict': 'not_supported',
                                                  'integration': 'needs your own orchestration '
                                                                 "outside Manus's defaults"}},
                'validation_checklist': [{'id': 'completion',
                                          'text': 'With a working override, a first completion '
                                                  'succeeds with the alias.'},
                                         {'id': 'dedicated-key',
                                          'text': 'Manus traffic runs on a key of its own.'},
                                         {'id': 'rotation-simple',
                                          'text': 'Revoking and rotating the key are simple '
                                                  'operations.'}]},
 'n8n.toml': {'slug': 'n8n',
              'name': 'n8n',
              'category': 'Workflow and builders',
              'compatibility': 'gt-extensions',
              'recommended_key_preset': 'dataset-upload',
              'evidence': "Documented by GT and cross-checked against the vendor's own docs; not "
                          'verified end to end.',
              'documented_base_url': 'https://<tenant-host>/api/tenant',
              'official_docs': ['https://docs.n8n.io/integrations/builtin/app-nodes/n8n-nodes-langchain.openai/',
                                'https://docs.n8n.io/integrations/builtin/core-nodes/n8n-nodes-base.httprequest/',
                                'https://docs.n8n.io/credentials/openai/'],
              'prerequisites': ['Decide whether the workflow is chat only, dataset upload, or '
                                'conversation with uploads.',
                                'Create the matching key preset before building the workflow.'],
              'setup_steps': ["In the OpenAI node's credential, set API Key to the GT key and Base "
                              "URL to the tenant's GT API.",
                              'Choose a published alias as the model and execute a test chat.',
                              'Conversations, uploads and file-status checks each get an HTTP '
                              'Request node, all using that bearer credential.',
                              'When continuity matters, keep the GT conversation id in the '
                              "workflow's static data."],
              'caveats': ['Dataset upload keys suit workflows that only ingest.',
                          'A workflow that needs chat plus conversation-scoped files should use a '
                          'conversation app key.'],
              'not_supported': ['The OpenAI node neither adds GT conversation headers nor speaks '
                                "GT's multipart dataset upload."],
              'config_fields': [{'field': 'OpenAI credentials → API Key', 'value': 'gtak_...'},
                                {'field': 'OpenAI node → Base URL (override)',
                                 'value': 'https://<tenant-host>/api/tenant'},
                                {'field': 'HTTP Request → Header Authorization',
                                 'value': 'Bearer gtak_...'}],
              'routes': {'GET /v1/models': {'verdict': 'native',
                                            'integration': "the OpenAI node's model field holds "
                                                           'the alias; an HTTP GET node can list '
                                                           '/v1/models'},
                         'POST /v1/chat/completions': {'verdict': 'native',
                                                       'integration': 'the OpenAI node or the '
                                                                      'LangChain OpenAI node calls '
                                                                      '/v1/chat/completions'},
                         'POST /v1/embeddings': {'verdict': 'native',
                                                 'integration': 'the OpenAI Embeddings node, '
                                                                'provided the key holds the embed '
                                                                'scope'},
                         'POST /v1/audio/transcriptions': {'verdict': 'not_supported',
                                                           'integration': 'not a standard n8n '
                                                                          'OpenAI node path to GT'},
                         'POST /v1/audio/speech': {'verdict': 'not_supported',
                                                   'integration': 'not a standard n8n OpenAI node '
                                                                  'path to GT'},
                         'POST /v1/images/generations': {'verdict': 'not_supported',
                                                         'integration': 'the OpenAI Image node, '
                                                                        'provided the key holds '
                                                                        "GT's image scope"},
                         'POST /v1/conversations/files': {'verdict': 'gt_extension',
                                                          'integration': 'an HTTP Request node '
                                                                         'sending a multipart POST '
                                                                         'to '
                                                                         '/v1/conversations/files'},
                         'POST /v1/datasets/{id}/files': {'verdict': 'gt_extension',
                                                          'integration': 'an HTTP Request node '
                                                                         'sending a multipart POST '
                                                                         'to '
                                                                         '/v1/datasets/{id}/files'},
                         'GET /v1/files/{id}': {'verdict': 'gt_extension',
                                                'integration': 'an HTTP Request node that repeats '
                                                               'GET /v1/files/{id}'}},
              'validation_checklist': [{'id': 'chat',
                                        'text': 'The alias answers through the OpenAI node.'},
                                       {'id': 'upload-ready',
                                        'text': 'A file sent by the HTTP nodes is polled until it '
                                                'reports ready.'},
                                       {'id': 'conversation-id',
                                        'text': 'The GT conversation id is saved in workflow state '
                                                'and reused.'}]},
 'open-webui.toml': {'slug': 'open-webui',
                     'name': 'Open WebUI',
                     'category': 'Workflow and builders',
                     'compatibility': 'guided',
                     'recommended_key_preset': 'chat-client',
                     'evidence': "Documented by GT and cross-checked against the vendor's own "
                                 'docs; not verified end to end.',
                     'documented_base_url': 'https://<tenant-host>/api/tenant',
                     'official_docs': ['https://docs.openwebui.com/getting-started/env-configuration/',
                                       'https://docs.openwebui.com/getting-started/quick-start/',
                                       'https://docs.openwebui.com/features/chat-features/'],
                     'prerequisites': ['Decide which aliases end users may pick, and publish them.',
                                       'Create an inference key with the chat scope (add embed '
                                       'only if Open WebUI will send embeddings to GT).'],
                     'setup_steps': ["Set OPENAI_API_BASE_URL to the tenant's GT API, either as a "
                                     'container environment variable or in the admin settings.',
                                     'Put the GT key into the OpenAI connection.',
                                     'Refresh the model list and make sure no alias beyond the '
                                     "key's allowlist appears.",
                                     'Have an ordinary user finish one chat turn with a published '
                                     'alias.'],
                     'caveats': ['Dataset uploads to /v1/datasets/{id}/files need separate '
                                 'automation; attachments made in the UI may never reach GT.',
                                 'Grant the embed scope only if Open WebUI actually routes '
                                 '/v1/embeddings through GT.',
                                 'Open WebUI appends /models and /chat/completions straight to its '
                                 'base URL, so unless the tenant also serves unversioned paths the '
                                 'base must end in /api/tenant/v1; the wizard probes both forms.',
                                 "After Open WebUI's first start its database overrides the "
                                 'environment variables, so editing the env file alone may change '
                                 'nothing; verify the effective connection.'],
                     'not_supported': ['Open WebUI keeps attachments inside the product by '
                                       'default; they do not become GT conversation or dataset '
                                       'uploads.'],
                     'config_fields': [{'field': 'OPENAI_API_BASE_URL',
                                        'value': 'https://<tenant-host>/api/tenant'},
                                       {'field': 'OPENAI_API_KEY', 'value': 'gtak_...'},
                                       {'field': 'Admin → Connections → OpenAI → API Base URL',
                                        'value': 'https://<tenant-host>/api/tenant'}],
                     'routes': {'GET /v1/models': {'verdict': 'native',
                                                   'integration': 'refreshing the model list calls '
                                                                  '/v1/models under the configured '
                                                                  'base URL'},
                                'POST /v1/chat/completions': {'verdict': 'native',
                                                              'integration': 'chats in the UI go '
                                                                             'to '
                                                                             '/v1/chat/completions'},
                                'POST /v1/embeddings': {'verdict': 'native',
                                                        'integration': 'only if the key has the '
                                                                       'embed scope and Open '
                                                                       "WebUI's embedding settings "
                                                                       'use the same base'},
                                'POST /v1/audio/transcriptions': {'verdict': 'not_supported',
                                                                  'integration': 'not on Open '
                                                                                 "WebUI's default "
                                                                                 'OpenAI '
                                                                                 'connection path'},
                                'POST /v1/audio/speech': {'verdict': 'not_supported',
                                                          'integration': "not on Open WebUI's "
                                                                         'default OpenAI '
                                                                         'connection path'},
                                'POST /v1/images/generations': {'verdict': 'not_supported',
                                                                'integration': 'not by default; '
                                                                               'only if image '
                                                                               'features are set '
                                                                               'up with the GT '
                                                                               'image scope'},
                                'POST /v1/conversations/files': {'verdict': 'not_supported',
                                                                 'integration': 'only from an '
                                                                                'outside script; '
                                                                                "the UI's "
                                                                                'attachment '
                                                                                'pipeline does not '
                                                                                'use it'},
                                'POST /v1/datasets/{id}/files': {'verdict': 'not_supported',
                                                                 'integration': 'only from outside '
                                                                                'ingestion '
                                                                                'automation '
                                                                                'posting to the GT '
                                                                                'dataset route'},
                                'GET /v1/files/{id}': {'verdict': 'not_supported',
                                                       'integration': 'only from outside polling '
                                                                      'after a GT upload'}},
                     'validation_checklist': [{'id': 'chat',
                                               'text': 'A user completes a chat with a published '
                                                       'alias.'},
                                              {'id': 'no-leak',
                                               'text': 'The model picker does not show disallowed '
                                                       'aliases.'},
                                              {'id': 'rotation-documented',
                                               'text': 'Key rotation is documented for the Open '
                                                       'WebUI operators.'}]},
 'openai-sdk-curl.toml': {'slug': 'openai-sdk-curl',
                          'name': 'OpenAI SDK / curl',
                          'category': 'SDK and HTTP',
                          'compatibility': 'native',
                          'recommended_key_preset': 'chat-client',
                          'evidence': "Verified end to end against a deployed tenant; this is GT's "
                                      'reference path.',
                          'documented_base_url': 'https://<tenant-host>/api/tenant',
                          'official_docs': ['https://platform.openai.com/docs/api-reference/introduction',
                                            'https://github.com/openai/openai-python',
                                            'https://github.com/openai/openai-node'],
                          'prerequisites': ['At least one inference target (an agent alias, a '
                                            'raw-model catalog name, or both) is published.',
                                            'An inference key exists whose scopes and allowlists '
                                            'cover what this integration calls.'],
                          'setup_steps': ['Set the base URL to https://<tenant-host>/api/tenant. '
                                          'The SDK adds the route paths itself; the runbook warns '
                                          'against a trailing slash after the /v1 part.',
                                          'Every request carries Authorization: Bearer <gtak_...>; '
                                          'the SDKs add it from api_key / apiKey.',
                                          'Call GET /v1/models and confirm the list holds only the '
                                          'published names you expect.',
                                          'Send one small POST /v1/chat/completions with a '
                                          'published name as model and a single user message.'],
                          'caveats': ['GT-managed threads start with POST /v1/conversations; later '
                                      'chat and upload calls then carry X-GT-Conversation-Id.',
                                      'Files are uploaded with POST /v1/datasets/{id}/files or '
                                      'POST /v1/conversations/files, then GET /v1/files/{id} is '
                                      'polled until it reports ready.'],
                          'not_supported': [],
                          'not_supported_note': 'The runbook names nothing that this client cannot '
                                                'do.',
                          'config_fields': [{'field': 'OPENAI_BASE_URL / baseURL',
                                             'value': 'https://<tenant-host>/api/tenant'},
                                            {'field': 'OPENAI_API_KEY / apiKey',
                                             'value': 'gtak_...'},
                                            {'field': 'model (chat body)',
                                             'value': 'published-agent-alias'}],
                          'routes': {'GET /v1/models': {'verdict': 'native',
                                                        'integration': 'client.models.list() in '
                                                                       'the SDK, or curl GET '
                                                                       '{base}/v1/models'},
                                     'POST /v1/chat/completions': {'verdict': 'native',
                                                                   'integration': 'chat.completions.create() '
                                                                                  'in the SDK, or '
                                                                                  'curl POST with '
                                                                                  'a JSON body'},
                                     'POST /v1/embeddings': {'verdict': 'native',
                                                             'integration': 'embeddings.create(); '
                                                                            'the key needs '
                                                                            'inference:embed'},
                                     'POST /v1/audio/transcriptions': {'verdict': 'native',
                                                                       'integration': 'audio.transcriptions.create() '
                                                                                      'sends '
                                                                                      'multipart; '
                                                                                      'the key '
                                                                                      'needs '
                                                                                      'inference:transcribe'},
                                     'POST /v1/audio/speech': {'verdict': 'native',
                                                               'integration': 'audio.speech.create(); '
                                                                              'the key needs '
                                                                              'inference:speech'},
                                     'POST /v1/images/generations': {'verdict': 'native',
                                                                     'integration': 'images.generate(); '
                                                                                    'the key needs '
                                                                                    'inference:image'},
                                     'POST /v1/conversations/files': {'verdict': 'gt_extension',
                                                                      'integration': 'your own '
                                                                                     'multipart '
                                                                                     'HTTP request '
                                                                                     'carrying the '
                                                                                     'conversation '
                                                                                     'header'},
                                     'POST /v1/datasets/{id}/files': {'verdict': 'gt_extension',
                                                                      'integration': 'your own '
                                                                                     'multipart '
                                                                                     'HTTP request '
                                                                                     'to '
                                                                                     '/v1/datasets/{datasetId}/files'},
                                     'GET /v1/files/{id}': {'verdict': 'gt_extension',
                                                            'integration': 'repeat GET '
                                                                           '/v1/files/{fileId} '
                                                                           'until processing has '
                                                                           'finished'}},
                          'validation_checklist': [{'id': 'models-allowlist',
                                                    'text': "The model list matches the key's "
                                                            'allowlists and shows no unpublished '
                                                            'alias.'},
                                                   {'id': 'chat',
                                                    'text': 'A chat completion succeeds and no raw '
                                                            'provider model id is revealed.'},
                                                   {'id': 'upload-ready',
                                                    'text': 'Optional, with upload rights: an '
                                                            'upload polled afterwards ends in '
                                                            'ready.'}]},
 'openclaw.toml': {'slug': 'openclaw',
                   'name': 'OpenClaw',
                   'category': 'Developer tooling',
                   'compatibility': 'guided',
                   'recommended_key_preset': 'agentic-editor',
                   'evidence': "Documented by GT and cross-checked against the vendor's own docs; "
                               'not verified end to end.',
                   'documented_base_url': 'https://<tenant-host>/api/tenant',
                   'official_docs': ['https://github.com/openclaw/openclaw',
                                     'https://docs.openclaw.ai/',
                                     'https://github.com/openclaw/openclaw/blob/main/README.md'],
                   'prerequisites': ['The OpenClaw runtime in use lets you configure your own '
                                     'OpenAI-compatible endpoint.',
                                     'A separate inference key is issued, limited to the aliases '
                                     'meant for this agent.'],
                   'setup_steps': ["Set OpenClaw's API base to the tenant host followed by "
                                   '/api/tenant.',
                                   'Use the GT key as the bearer credential.',
                                   'Verify the model listing and a smallest-possible chat '
                                   'completion.',
                                   'Give the agent more autonomy only once the base path is '
                                   'stable.'],
                   'caveats': ['Any GT conversation or upload traffic belongs in orchestration '
                               'code under your control.',
                               'Agent runners send traffic in bursts.'],
                   'not_supported': ['Out of the box, OpenClaw sends neither the GT conversation '
                                     'header nor multipart dataset uploads.'],
                   'config_fields': [{'field': 'OPENAI_BASE_URL / openai_base_url',
                                      'value': 'https://<tenant-host>/api/tenant'},
                                     {'field': 'OPENAI_API_KEY', 'value': 'gtak_...'},
                                     {'field': 'Agent model / default_model',
                                      'value': 'published-agent-alias'}],
                   'routes': {'GET /v1/models': {'verdict': 'native',
                                                 'integration': 'at start the agent should call '
                                                                'GET /v1/models or use an alias '
                                                                'taken from it'},
                              'POST /v1/chat/completions': {'verdict': 'native',
                                                            'integration': 'requests from the '
                                                                           "agent's OpenAI client "
                                                                           'land on '
                                                                           '/v1/chat/completions'},
                              'POST /v1/embeddings': {'verdict': 'not_supported',
                                                      'integration': "unused unless the agent's "
                                                                     'configuration calls the '
                                                                     'embed route on purpose'},
                              'POST /v1/audio/transcriptions': {'verdict': 'not_supported',
                                                                'integration': 'not part of '
                                                                               "OpenClaw's "
                                                                               'standard OpenAI '
                                                                               'integration'},
                              'POST /v1/audio/speech': {'verdict': 'not_supported',
                                                        'integration': "not part of OpenClaw's "
                                                                       'standard OpenAI '
                                                                       'integration'},
                              'POST /v1/images/generations': {'verdict': 'not_supported',
                                                              'integration': 'off by default; '
                                                                             'reachable only when '
                                                                             'the agent is taught '
                                                                             'to call the image '
                                                                             'route'},
                              'POST /v1/conversations/files': {'verdict': 'gt_extension',
                                                               'integration': 'your own HTTP '
                                                                              'orchestration in '
                                                                              "the agent's "
                                                                              'tooling'},
                              'POST /v1/datasets/{id}/files': {'verdict': 'gt_extension',
                                                               'integration': 'your own HTTP '
                                                                              'orchestration in '
                                                                              "the agent's "
                                                                              'tooling'},
                              'GET /v1/files/{id}': {'verdict': 'gt_extension',
                                                     'integration': 'your own polling in the '
                                                                    "agent's tooling"}},
                   'validation_checklist': [{'id': 'models-allowlist',
                                             'text': 'The listed models are exactly those on the '
                                                     "key's allowlist."},
                                            {'id': 'chat',
                                             'text': 'The alias intended for this agent answers '
                                                     'chat requests.'},
                                            {'id': 'revocation',
                                             'text': "Revoking the key cleanly stops the agent's "
                                                     'traffic.'}]},
 'semantic-kernel.toml': {'slug': 'semantic-kernel',
                          'name': 'Semantic Kernel',
                          'category': 'Framework and orchestration',
                          'compatibility': 'gt-extensions',
                          'recommended_key_preset': 'chat-embeddings',
                          'evidence': "Documented by GT and cross-checked against the vendor's own "
                                      'docs; not verified end to end.',
                          'documented_base_url': 'https://<tenant-host>/api/tenant',
                          'official_docs': ['https://learn.microsoft.com/en-us/semantic-kernel/concepts/ai-services/chat-completion/',
                                            'https://learn.microsoft.com/en-us/dotnet/api/microsoft.semantickernel.connectors.openai.openaichatcompletionservice',
                                            'https://learn.microsoft.com/en-us/semantic-kernel/concepts/ai-services/embedding-generation'],
                          'prerequisites': ["The aliases used by the kernel's prompts and planners "
                                            'are published.',
                                            'If memory or RAG plugins will call /v1/embeddings, '
                                            'the key also carries inference:embed.'],
                          'setup_steps': ['Add the OpenAI chat completion service to the kernel, '
                                          'giving it ${GT_BASE} as endpoint and the GT key.',
                                          'If the key has the embed scope, register the embedding '
                                          'service on the same base.',
                                          'Kernel prompts name a published alias as their model '
                                          'id.',
                                          'Before any autonomous plugin is switched on, prove that '
                                          'a single completion and a single embedding batch work.'],
                          'caveats': ['GT conversations need plugin code: create one with POST '
                                      '/v1/conversations, then add X-GT-Conversation-Id to every '
                                      'later turn.',
                                      'Dataset and conversation uploads and status polling go '
                                      'through HttpClient inside plugins.'],
                          'not_supported': ["GT's multipart uploads and its conversation header "
                                            'are beyond what the SK OpenAI connector provides.'],
                          'config_fields': [{'field': 'OpenAIChatCompletionService endpoint (C#)',
                                             'value': 'https://<tenant-host>/api/tenant'},
                                            {'field': 'ApiKey / OPENAI_API_KEY',
                                             'value': 'gtak_...'},
                                            {'field': 'ModelId in kernel prompt',
                                             'value': 'published-agent-alias'}],
                          'routes': {'GET /v1/models': {'verdict': 'native',
                                                        'integration': 'ModelId must be a '
                                                                       'published alias; check '
                                                                       'with a manual model '
                                                                       'listing while setting up'},
                                     'POST /v1/chat/completions': {'verdict': 'native',
                                                                   'integration': 'requests from '
                                                                                  'OpenAIChatCompletionService '
                                                                                  'land on '
                                                                                  '/v1/chat/completions'},
                                     'POST /v1/embeddings': {'verdict': 'native',
                                                             'integration': 'embeddings come from '
                                                                            'OpenAITextEmbeddingGenerationService '
                                                                            'hitting '
                                                                            '/v1/embeddings'},
                                     'POST /v1/audio/transcriptions': {'verdict': 'not_supported',
                                                                       'integration': 'not part of '
                                                                                      "SK's "
                                                                                      'standard '
                                                                                      'OpenAI chat '
                                                                                      'connector'},
                                     'POST /v1/audio/speech': {'verdict': 'not_supported',
                                                               'integration': "not part of SK's "
                                                                              'standard OpenAI '
                                                                              'chat connector'},
                                     'POST /v1/images/generations': {'verdict': 'not_supported',
                                                                     'integration': 'not on the '
                                                                                    'standard SK '
                                                                                    'OpenAI '
                                                                                    'connector '
                                                                                    'path'},
                                     'POST /v1/conversations/files': {'verdict': 'gt_extension',
                                                                      'integration': 'a custom '
                                                                                     'plugin that '
                                                                                     'sends the '
                                                                                     'multipart '
                                                                                     'upload with '
                                                                                     'HttpClient'},
                                     'POST /v1/datasets/{id}/files': {'verdict': 'gt_extension',
                                                                      'integration': 'a custom '
                                                                                     'plugin that '
                                                                                     'sends the '
                                                                                     'dataset '
                                                                                     'upload with '
                                                                                     'HttpClient'},
                                     'GET /v1/files/{id}': {'verdict': 'gt_extension',
                                                            'integration': 'a custom plugin that '
                                                                           'polls with GET'}},
                          'validation_checklist': [{'id': 'kernel-prompt',
                                                    'text': 'Prompts run by the kernel work with '
                                                            'the published aliases.'},
                                                   {'id': 'embeddings',
                                                    'text': 'With the embed scope on the key, '
                                                            'embedding calls go through.'},
                                                   {'id': 'gt-telemetry',
                                                    'text': 'GT side effects are visible in the '
                                                            "application's logs or telemetry."}]},
 'vercel-ai-sdk.toml': {'slug': 'vercel-ai-sdk',
                        'name': 'Vercel AI SDK',
                        'category': 'Framework and orchestration',
                        'compatibility': 'gt-extensions',
                        'recommended_key_preset': 'conversation-app',
                        'evidence': "Documented by GT and cross-checked against the vendor's own "
                                    'docs; not verified end to end.',
                        'documented_base_url': 'https://<tenant-host>/api/tenant',
                        'official_docs': ['https://sdk.vercel.ai/docs/providers/openai',
                                          'https://sdk.vercel.ai/docs/ai-sdk-core/generating-text',
                                          'https://sdk.vercel.ai/docs/ai-sdk-core/settings'],
                        'prerequisites': ['The alias the UI offers as its model is published.',
                                          'When chat and files share one external credential, '
                                          'create a conversation-app key with its linked inference '
                                          'and upload keys.'],
                        'setup_steps': ['Define GT_API_BASE_URL=${GT_BASE} and GT_API_KEY=gtak_... '
                                        'as environment variables that only the server can read.',
                                        'Create the provider with createOpenAI({ baseURL: '
                                        'process.env.GT_API_BASE_URL, apiKey: '
                                        'process.env.GT_API_KEY }).',
                                        'Inside a Route Handler, stream the reply with '
                                        "streamText({ model: openai('<published-alias>'), messages "
                                        '}).',
                                        'When a thread starts, call POST /v1/conversations on the '
                                        'server and attach the returned id to the following '
                                        'requests.'],
                        'caveats': ['Attachments go through POST /v1/conversations/files with the '
                                    'same conversation header, sent from server code.',
                                    "Poll GET /v1/files/{id} before the file's content is used in "
                                    'model context.'],
                        'not_supported': ['GT is validated on Chat Completions, not on the '
                                          'Responses API (openai.responses); use the Chat '
                                          'Completions provider calls.',
                                          'A GT bearer key must never reach a Client Component: '
                                          'every GT call happens on the server.'],
                        'config_fields': [{'field': 'GT_API_BASE_URL (server env)',
                                           'value': 'https://<tenant-host>/api/tenant'},
                                          {'field': 'GT_API_KEY (server env)', 'value': 'gtak_...'},
                                          {'field': 'createOpenAI({ baseURL, apiKey })',
                                           'value': 'server-only instantiation'}],
                        'routes': {'GET /v1/models': {'verdict': 'native',
                                                      'integration': 'optionally fetch /v1/models '
                                                                     'on the server to fill a '
                                                                     'model picker'},
                                   'POST /v1/chat/completions': {'verdict': 'native',
                                                                 'integration': '/v1/chat/completions '
                                                                                'is what '
                                                                                'streamText and '
                                                                                'generateText call '
                                                                                'through the '
                                                                                'OpenAI provider'},
                                   'POST /v1/embeddings': {'verdict': 'native',
                                                           'integration': 'the embed helper with '
                                                                          'the OpenAI provider, '
                                                                          'for RAG routes that '
                                                                          'need embeddings'},
                                   'POST /v1/audio/transcriptions': {'verdict': 'not_supported',
                                                                     'integration': 'the standard '
                                                                                    'AI SDK OpenAI '
                                                                                    'chat provider '
                                                                                    'does not '
                                                                                    'cover it'},
                                   'POST /v1/audio/speech': {'verdict': 'not_supported',
                                                             'integration': 'the standard AI SDK '
                                                                            'OpenAI chat provider '
                                                                            'does not cover it'},
                                   'POST /v1/images/generations': {'verdict': 'not_supported',
                                                                   'integration': 'only through '
                                                                                  'experimental '
                                                                                  'image helpers '
                                                                                  'and an '
                                                                                  'image-scoped GT '
                                                                                  'key'},
                                   'POST /v1/conversations/files': {'verdict': 'gt_extension',
                                                                    'integration': 'the multipart '
                                                                                   'upload is sent '
                                                                                   'by a Route '
                                                                                   'Handler on the '
                                                                                   'server'},
                                   'POST /v1/datasets/{id}/files': {'verdict': 'gt_extension',
                                                                    'integration': 'automation on '
                                                                                   'the server, if '
                                                                                   'the app must '
                                                                                   'fill datasets'},
                                   'GET /v1/files/{id}': {'verdict': 'gt_extension',
                                                          'integration': 'the server polls GET '
                                                                         '/v1/files/{id}'}},
                        'validation_checklist': [{'id': 'stream-no-key',
                                                  'text': 'Tokens stream to the browser while the '
                                                          'GT key stays out of it.'},
                                                 {'id': 'conversation-id',
                                                  'text': 'Every later turn reuses the GT '
                                                          'conversation id of the first turn.'},
                                                 {'id': 'upload-ready',
                                                  'text': 'A conversation-scoped upload followed '
                                                          'by polling reaches ready.'}]}}
