"""``python -m losslog`` runs the same CLI as the ``losslog`` console script."""

from losslog.cli import main

if __name__ == "__main__":
    main()
