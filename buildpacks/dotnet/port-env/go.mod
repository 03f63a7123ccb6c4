module funcpacks/port-env

go 1.22
