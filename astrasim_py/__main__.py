from astrasim_py.cli import main

raise SystemExit(main())
