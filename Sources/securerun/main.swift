import SecurerunCLI

await SecurerunCommand.main()
