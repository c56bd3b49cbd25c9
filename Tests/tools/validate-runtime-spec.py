"""Validate an OCI runtime-spec config.json against the spec's JSON schema (draft-04, relative $refs).

usage: validate-runtime-spec.py SCHEMA_DIR CONFIG_JSON   (exit 0 valid, 1 invalid)
"""
import json
import pathlib
import sys
import warnings

import jsonschema

warnings.simplefilter("ignore", DeprecationWarning)
schema_dir = pathlib.Path(sys.argv[1])
schema = json.loads((schema_dir / "config-schema.json").read_text())
resolver = jsonschema.RefResolver(base_uri=schema_dir.as_uri() + "/", referrer=schema)
document = json.loads(pathlib.Path(sys.argv[2]).read_text())
errors = list(jsonschema.Draft4Validator(schema, resolver=resolver).iter_errors(document))
for error in errors:
    print("invalid:", "/".join(map(str, error.absolute_path)) or "(root)", error.message)
print(f"{len(errors)} errors")
sys.exit(1 if errors else 0)
