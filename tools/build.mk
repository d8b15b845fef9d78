# rmemctl and rmem-top.
