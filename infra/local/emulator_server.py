"""moto's server with atomic conditional writes: `python -m infra.local.emulator_server -H HOST -p PORT`."""

from moto.server import main

from infra.local.moto_fidelity import serialize_dynamodb_writes

if __name__ == "__main__":
    serialize_dynamodb_writes()
    main()
