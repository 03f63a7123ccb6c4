module example.com/gcsevent

go 1.22
