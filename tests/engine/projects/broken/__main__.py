import pulumi_aws as aws
from lib import make_queues

make_queues(aws)
