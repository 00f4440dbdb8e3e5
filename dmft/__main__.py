from dmft.cli import main

raise SystemExit(main())
