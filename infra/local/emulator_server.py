"""moto's server, made faithful where the app depends on it (infra/local/moto_fidelity.py):
`python -m infra.local.emulator_server -H HOST -p PORT`."""

from moto.server import main

from infra.local.moto_fidelity import make_moto_faithful

if __name__ == "__main__":
    make_moto_faithful()
    main()
