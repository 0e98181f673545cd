#!/usr/bin/env python
from patron.cli import main

if __name__ == "__main__":
    main()
