from airdefense.cli import main

main()
