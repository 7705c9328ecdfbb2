-- wrk script: POST /api/v1/evaluate for 5 parameters with one user's attributes.
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"parameters":["p0","p1","p2","p3","p4"],"attributes":{"user_id":"user_12345","country":"US","age":28}}'
