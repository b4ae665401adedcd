import LogbookCLI

LogbookCLI.runAndExit(CommandLine.arguments)
