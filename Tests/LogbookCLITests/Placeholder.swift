import LogbookCLI
